"""export-manifest: deterministic files, --check, and the committed manifests kept current."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ga_test_helpers import PYTHON_DIR

from grouped_analysis_py import __version__
from grouped_analysis_py.analysis import CODE_VERSION_PATTERN
from grouped_analysis_py.cli import main

SG = str(Path(__file__).parent / "fixtures" / "sg_analysis.py")


def test_export_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-manifest", "--analyses", "example_py", SG, "--out", str(tmp_path / "a")]) == 0
    assert main(["export-manifest", "--analyses", f"example_py:analysis,{SG}", "--out", str(tmp_path / "b")]) == 0
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["example-py.json", "sg-test.json"]
    for name in files:
        text = (tmp_path / "a" / name).read_text()
        assert text == (tmp_path / "b" / name).read_text()
        assert text.endswith("}\n") and text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    sg = json.loads((tmp_path / "a" / "sg-test.json").read_text())
    assert sg["mode"] == "session-group" and sg["session_parameters"] == ["scale", "fail_on"]
    assert sg["task_queue"] == "grouped-analysis-py" and sg["manifest_version"] == 1 and sg["language"] == "python"
    assert CODE_VERSION_PATTERN.match(sg["code_version"])
    assert "analysis_name" not in sg["parameters_schema"]["properties"]


def test_check_lists_differences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path)
    assert main(["export-manifest", "--analyses", SG, "--out", out]) == 0
    assert main(["export-manifest", "--analyses", SG, "--out", out, "--check"]) == 0
    path = tmp_path / "sg-test.json"
    data = json.loads(path.read_text())
    data["code_version"] = "1.0.0+src.000000000000"
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["export-manifest", "--analyses", SG, "--out", out, "--check"]) == 1
    err = capsys.readouterr().err
    assert "sg-test.json: code_version: '1.0.0+src.000000000000' -> '1.0.0+src." in err
    assert f"export-manifest --analyses {SG} --out {out}" in err
    path.unlink()
    assert main(["export-manifest", "--analyses", SG, "--out", out, "--check"]) == 1
    assert "sg-test.json: missing" in capsys.readouterr().err


def test_manifest_task_queue_and_entry_do_not_depend_on_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GA_PY_TASK_QUEUE overrides the manifest's queue at dispatch and in the worker, not here.
    monkeypatch.setenv("GA_PY_TASK_QUEUE", "py-gpu")
    assert main(["export-manifest", "--analyses", "example_py", SG, "--out", str(tmp_path)]) == 0
    example = json.loads((tmp_path / "example-py.json").read_text())
    assert (example["task_queue"], example["entry"], example["language_version"]) == ("grouped-analysis-py", "example_py:analysis", "3.11")
    assert json.loads((tmp_path / "sg-test.json").read_text())["entry"] == "python/tests/fixtures/sg_analysis.py:analysis"


def test_committed_manifests_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every committed manifest (no --analyses: their own entries) equals a fresh export.
    monkeypatch.delenv("GA_PY_ANALYSES", raising=False)
    monkeypatch.delenv("GA_PYTHON_MANIFESTS", raising=False)
    assert main(["export-manifest", "--out", str(PYTHON_DIR / "manifests"), "--check"]) == 0


def test_framework_version_matches_pyproject() -> None:
    pyproject = (PYTHON_DIR / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1) == __version__  # type: ignore[union-attr]


def test_without_analyses_every_known_manifest_is_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # What `npm run py:worker` serves: the entries of python/manifests, then GA_PYTHON_MANIFESTS's.
    monkeypatch.delenv("GA_PY_ANALYSES", raising=False)
    assert main(["export-manifest", "--analyses", SG, "--out", str(tmp_path)]) == 0
    monkeypatch.setenv("GA_PYTHON_MANIFESTS", str(tmp_path))
    capsys.readouterr()
    assert main(["describe"]) == 0
    described = capsys.readouterr().out
    assert "example-py 0.1.0" in described and "sg-test 1.0.0" in described
