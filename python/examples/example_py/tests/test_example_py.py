"""Tests of example-py on small synthetic sessions (HDF5 and Zarr) and, when this checkout has
them, the lab's real sessions in test/fixtures/real-nwb."""

from __future__ import annotations

import csv
from pathlib import Path

import h5py
import numpy as np
import pytest
import zarr

from grouped_analysis_py import InvalidInput
from grouped_analysis_py.analysis import CODE_VERSION_PATTERN
from grouped_analysis_py.testing import run_local
from example_py import analysis

REAL_NWB = next((p / "test" / "fixtures" / "real-nwb" for p in Path(__file__).resolve().parents if (p / "test" / "fixtures" / "real-nwb").is_dir()), None)


def write_session(path: Path, fmt: str, start: str, responses: list[int]) -> Path:
    """A minimal NWB-shaped session (HDF5 file or Zarr folder): a start time and a trials table."""
    columns = {
        "intervals/trials/start_time": np.arange(len(responses), dtype=float) * 5,
        "intervals/trials/animal_response": np.asarray(responses, dtype=float),
    }
    if fmt == "hdf5":
        with h5py.File(path, "w") as f:
            f["session_start_time"] = start.encode()
            for name, values in columns.items():
                f[name] = values
    else:
        root = zarr.open_group(str(path), mode="w")
        root.array("session_start_time", np.array([start.encode()]))
        for name, values in columns.items():
            root.array(name, values)
    return path


@pytest.fixture
def sessions(tmp_path: Path) -> list[Path]:
    return [
        write_session(tmp_path / "s2.nwb", "zarr", "2024-01-02T10:00:00", [1, 1, 0, 2]),
        write_session(tmp_path / "s1.nwb", "hdf5", "2024-01-01T10:00:00", [0, 1, 2, 2, 1, 1]),
    ]


def test_counts_trials_per_session(sessions: list[Path], tmp_path: Path) -> None:
    run = run_local(analysis, sessions, {"min_trials": 0}, tmp_path / "out", subject_id="123")
    assert run.summary == {"n_sessions": 2, "total_trials": 10}
    assert run.files == ["figures/trials_123.png", "sessions.csv", "trials_per_session.csv"]
    with open(run.results_dir / "trials_per_session.csv") as f:
        rows = list(csv.DictReader(f))
    # Sorted by session start: s1 first.
    assert [(r["session"], r["n_trials"], r["n_finished"], r["right_fraction"]) for r in rows] == [
        ("s1", "6", "4", "0.75"),
        ("s2", "4", "3", "0.6667"),
    ]
    assert (run.results_dir / "figures/trials_123.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_min_trials_leaves_sessions_out_with_a_warning(sessions: list[Path]) -> None:
    run = run_local(analysis, sessions, {"min_trials": 4})
    assert run.summary == {"n_sessions": 1, "total_trials": 6}
    assert run.warnings == ["s2: fewer than 4 finished trials; left out of the figure and the totals"]


def test_bad_parameters_are_invalid_input() -> None:
    with pytest.raises(InvalidInput, match=r"parameters\.min_trials: Input should be greater than or equal to 0"):
        analysis.parse_parameters({"min_trials": -1, "analysis_name": "example-py", "analysis_tag": "t"})


def test_a_file_without_trials_is_invalid_input(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "empty.nwb", "w") as f:
        f["session_start_time"] = b"2024-01-01"
    with pytest.raises(InvalidInput, match="empty.nwb"):
        run_local(analysis, [tmp_path / "empty.nwb"])


def test_manifest_is_valid() -> None:
    manifest = analysis.manifest()
    assert manifest["name"] == "example-py" and manifest["mode"] == "job"
    assert CODE_VERSION_PATTERN.match(manifest["code_version"])
    assert set(manifest["parameters_schema"]["properties"]) == {"min_trials", "title"}


@pytest.mark.skipif(REAL_NWB is None, reason="no test/fixtures/real-nwb in this checkout")
def test_real_sessions(tmp_path: Path) -> None:
    assert REAL_NWB is not None
    files = sorted(REAL_NWB.glob("*.nwb"))
    run = run_local(analysis, files, {}, tmp_path / "out", subject_id="mixed")
    with open(run.results_dir / "sessions.csv") as f:
        rows = {r["session"]: r for r in csv.DictReader(f)}
    assert rows["697062_2023-11-14_11-12-44"]["n_trials"] == "342"
    assert rows["behavior_717531_2024-08-07_09-01-02"]["format"] == "zarr"
    assert run.summary["n_sessions"] == 3
