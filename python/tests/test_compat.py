"""The analysis-pipeline-utils shim: an upstream-style script with only its imports changed."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ga_test_helpers import HDF5_SESSIONS, partial_key, session_ref, workflow_input
from temporalio.testing import ActivityEnvironment

from grouped_analysis_py.activities import PythonActivities
from grouped_analysis_py.compat.analysis_pipeline_utils import AnalysisDispatchModel, run_analysis_jobs
from grouped_analysis_py.inputs import Stager
from grouped_analysis_py.loader import load_spec
from grouped_analysis_py.stores import LocalStore
from grouped_analysis_py.testing import run_local

pytest.importorskip("aind_data_schema.base", reason="the upstream-style models need aind-data-schema (dev extra)")

UPSTREAM = Path(__file__).parent / "fixtures" / "upstream"
AFTER = UPSTREAM / "after" / "run_capsule.py"


def test_only_import_lines_changed() -> None:
    before = (UPSTREAM / "before" / "run_capsule.py").read_text().splitlines()
    after = AFTER.read_text().splitlines()
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    assert changed and all(b.startswith("from analysis_pipeline_utils.") and a.startswith("from grouped_analysis_py.compat.") for b, a in changed)


def test_signatures_match_analysis_pipeline_utils_0_2_8() -> None:
    assert list(inspect.signature(run_analysis_jobs).parameters) == ["analysis_input_model", "analysis_output_model", "run_function"]
    upstream_fields = {"s3_location", "asset_name", "docdb_record_id", "file_location", "distributed_parameters", "group_metadata", "query", "analysis_code"}
    assert upstream_fields <= set(AnalysisDispatchModel.model_fields)


def test_the_script_loads_as_a_job_mode_analysis() -> None:
    (a,) = load_spec(str(AFTER))
    assert (a.name, a.version, a.mode, a.title) == ("run-capsule", "0.1.0", "job", "Trial counts per session (an analysis written for analysis-pipeline-utils 0.2.8).")
    assert a.parameters.__name__ == "TrialCountSpecification" and a.outputs.__name__ == "TrialCountOutputs"
    assert [rel for rel, _ in a.source_files()] == ["run_capsule.py"]
    assert load_spec(str(AFTER)) == [a]  # loading again finds the registered analysis


def test_served_through_the_activities(tmp_path: Path) -> None:
    (a,) = load_spec(str(AFTER))
    store = LocalStore(tmp_path / "results")
    acts = PythonActivities({a.name: a}, store, Stager(tmp_path / "scratch", lambda: None), tmp_path / "scratch")
    refs = [session_ref(p) for p in HDF5_SESSIONS]
    keys = [partial_key(a, r) for r in refs]
    w = workflow_input(a, {"min_trials": 300})
    env = ActivityEnvironment()
    cwd = os.getcwd()
    for r, k in zip(refs, keys):
        asyncio.run(env.run(acts.analyze_session, {"workflow": w, "session": r, "partialKey": k}))
    group = asyncio.run(env.run(acts.compute_group, {"workflow": w, "sessions": refs, "partialKeys": keys}))
    assert group["summary"] == {"total_trials": 342, "n_sessions": 1}
    assert [o["name"] for o in group["outputs"]] == ["trial_counts.json"]
    counts = json.loads((store.root / w["dedupKey"] / "trial_counts.json").read_text())
    assert counts == {"697062_2023-11-14_11-12-44.nwb": 342}
    assert os.getcwd() == cwd and "RESULTS_DIR" not in os.environ


def test_name_and_version_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "named_capsule.py"
    script.write_text(AFTER.read_text())
    monkeypatch.syspath_prepend(str(AFTER.parent))  # its models module
    monkeypatch.setenv("GA_PY_ANALYSIS_NAME", "trial-counts")
    monkeypatch.setenv("GA_PY_ANALYSIS_VERSION", "2.1.0")
    (a,) = load_spec(str(script))
    assert (a.name, a.version) == ("trial-counts", "2.1.0") and a.code_version.startswith("2.1.0+src.")


def test_results_link_for_scripts_writing_to_a_fixed_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link = tmp_path / "results"
    script = tmp_path / "fixed_path_capsule.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from pydantic import BaseModel
            from grouped_analysis_py.compat.analysis_pipeline_utils import run_analysis_jobs

            class P(BaseModel):
                pass

            def run(dispatch_inputs, params):
                with open("{link}/out.txt", "w") as f:
                    f.write(str(len(dispatch_inputs.file_location)))
                return {{}}

            run_analysis_jobs(P, P, run)
            """
        )
    )
    (a,) = load_spec(str(script))
    monkeypatch.setenv("GA_PY_RESULTS_LINK", str(link))
    run = run_local(a, HDF5_SESSIONS)
    assert run.files == ["out.txt"] and (run.results_dir / "out.txt").read_text() == "2"
    assert not link.exists() and not link.is_symlink()  # removed after the call
    link.mkdir()
    with pytest.raises(RuntimeError, match="exists and is not a symlink"):
        run_local(a, HDF5_SESSIONS)


def test_run_as_a_script_runs_the_local_jobs(tmp_path: Path) -> None:
    jobs = tmp_path / "data" / "job_dict"
    jobs.mkdir(parents=True)
    job = {"s3_location": [str(HDF5_SESSIONS[0].parent)], "asset_name": ["a"], "docdb_record_id": ["r"], "file_location": [str(p) for p in HDF5_SESSIONS], "distributed_parameters": {"min_trials": 100}}
    (jobs / "job_697062.json").write_text(json.dumps(job))
    out = subprocess.run(
        [sys.executable, str(AFTER), "--input_directory", str(tmp_path / "data"), "--results_directory", str(tmp_path / "results"), "--dry_run", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    results = tmp_path / "results" / "job_697062"
    assert json.loads((results / "output_parameters.json").read_text()) == {"total_trials": 607, "n_sessions": 2}
    assert sorted(json.loads((results / "trial_counts.json").read_text()).values()) == [265, 342]
    assert "Found 1 input job models" in out.stderr
