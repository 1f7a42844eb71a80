"""Loading --analyses specs, and the configuration (env file, errors naming the variable)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grouped_analysis_py.cli import main
from grouped_analysis_py.config import ConfigError, load_settings
from grouped_analysis_py.loader import LoadError, load_analyses, load_spec

FIXTURES = Path(__file__).parent / "fixtures"


def test_specs_by_module_object_path_and_package(tmp_path: Path) -> None:
    assert [a.name for a in load_spec("example_py:analysis")] == ["example-py"]
    assert [a.name for a in load_spec("python/tests/fixtures/sg_analysis.py")] == ["sg-test"]  # a manifest entry: repository-relative
    assert [a.name for a in load_spec("example_py")] == ["example-py"]
    assert [a.name for a in load_spec(str(FIXTURES / "sg_analysis.py"))] == ["sg-test"]
    pkg = tmp_path / "two_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            from pydantic import BaseModel
            from grouped_analysis_py import Analysis
            from .impl import run

            class P(BaseModel):
                pass

            first = Analysis(name="first", version="0.1.0", parameters=P, run=run)
            ALL = [first, Analysis(name="second", version="0.1.0", parameters=P, run=run)]
            """
        )
    )
    (pkg / "impl.py").write_text("def run(d, p, ctx):\n    return {}\n")
    assert [a.name for a in load_spec(str(pkg))] == ["first"]
    assert [a.name for a in load_spec(f"{pkg}:ALL")] == ["first", "second"]
    assert [a.name for a in load_analyses([str(pkg), f"{pkg}:ALL"])] == ["first", "second"]


def test_bad_specs(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no module 'not_a_module'"):
        load_spec("not_a_module")
    with pytest.raises(LoadError, match="has no attribute 'nope'"):
        load_spec("example_py:nope")
    with pytest.raises(LoadError, match="is not an Analysis"):
        load_spec("example_py.analysis:Parameters")
    (tmp_path / "empty_mod.py").write_text("X = 1\n")
    with pytest.raises(LoadError, match="no analysis found"):
        load_spec(str(tmp_path / "empty_mod.py"))
    copy = tmp_path / "copy" / "sg_analysis_copy.py"
    copy.parent.mkdir()
    copy.write_text((FIXTURES / "sg_analysis.py").read_text())
    with pytest.raises(LoadError, match="two analyses are named 'sg-test'"):
        load_analyses([str(FIXTURES / "sg_analysis.py"), str(copy)])


def test_cli_refuses_bad_specs_with_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["describe", "--analyses", "example_py:nope"]) == 2
    assert "has no attribute 'nope'" in capsys.readouterr().err
    # Nothing named and no manifest to fall back on (outside a checkout).
    monkeypatch.setattr("grouped_analysis_py.cli.repo_root", lambda: None)
    monkeypatch.delenv("GA_PY_ANALYSES", raising=False)
    monkeypatch.delenv("GA_PYTHON_MANIFESTS", raising=False)
    assert main(["describe"]) == 2
    assert "GA_PY_ANALYSES" in capsys.readouterr().err


def test_describe(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GA_PY_ANALYSES", "example_py")
    assert main(["describe"]) == 0
    out = capsys.readouterr().out
    assert "example-py 0.1.0 (job mode" in out and "min_trials (default 0)" in out


def test_env_file_fills_unset_variables(tmp_path: Path) -> None:
    (tmp_path / "env").write_text("ANALYSIS_BUCKET=s3://results-bucket/pre\nS3_ENDPOINT=http://127.0.0.1:8333\nTEMPORAL_ADDRESS=10.0.0.1:7233\n")
    s = load_settings({"GA_STATE_DIR": str(tmp_path), "TEMPORAL_ADDRESS": "127.0.0.2:7233"})
    assert s.results == ("s3", "results-bucket", "pre") and s.s3.region == "us-east-1"
    assert s.temporal_address == "127.0.0.2:7233"  # the environment wins
    assert s.env_file == tmp_path / "env"
    # Present but empty in the environment: not taken from the file, and counts as unset.
    local = load_settings({"GA_STATE_DIR": str(tmp_path), "ANALYSIS_BUCKET": "", "GA_LOCAL_RESULTS_DIR": str(tmp_path / "r")})
    assert local.results == ("local", str(tmp_path / "r"), "")
    assert local.results_description() == (tmp_path / "r").as_uri()


def test_defaults_without_env_file(tmp_path: Path) -> None:
    s = load_settings({"GA_STATE_DIR": str(tmp_path), "GA_LOCAL_RESULTS_DIR": "r"})
    assert (s.temporal_address, s.temporal_namespace, s.task_queue, s.temporal_tls) == ("127.0.0.1:7233", "default", None, False)
    assert s.scratch_dir.name == "grouped-analysis-py-cache" and s.env_file is None
    assert load_settings({"GA_STATE_DIR": str(tmp_path), "GA_LOCAL_RESULTS_DIR": "r", "TEMPORAL_API_KEY": "k"}).temporal_tls is True


@pytest.mark.parametrize(
    ("env", "variable", "message"),
    [
        ({}, "ANALYSIS_BUCKET", "no results location"),
        ({"ANALYSIS_BUCKET": "s3://Bad_Bucket"}, "ANALYSIS_BUCKET", "is not s3://bucket"),
        ({"ANALYSIS_BUCKET": "s3://good-bucket"}, "AWS_REGION", "is required"),
        ({"ANALYSIS_BUCKET": "b-1", "GA_LOCAL_RESULTS_DIR": "r"}, "ANALYSIS_BUCKET", "results go to one place"),
        ({"GA_LOCAL_RESULTS_DIR": "r", "TEMPORAL_ADDRESS": "nope"}, "TEMPORAL_ADDRESS", "host:port"),
        ({"GA_LOCAL_RESULTS_DIR": "r", "GA_DATA_ROOT": "/no/such/folder"}, "GA_DATA_ROOT", "no folder"),
        ({"GA_LOCAL_RESULTS_DIR": "r", "GA_INPUT_BUCKETS": "ok-bucket,BAD"}, "GA_INPUT_BUCKETS", "not bucket names"),
        ({"GA_LOCAL_RESULTS_DIR": "r", "AWS_ACCESS_KEY_ID": "a"}, "AWS_SECRET_ACCESS_KEY", "go together"),
        ({"GA_LOCAL_RESULTS_DIR": "r", "TEMPORAL_TLS_CLIENT_CERT_PATH": "/no/cert.pem"}, "TEMPORAL_TLS_CLIENT_CERT_PATH", "cannot read"),
        ({"GA_LOCAL_RESULTS_DIR": "r", "GA_PY_MAX_CONCURRENT_ACTIVITIES": "0"}, "GA_PY_MAX_CONCURRENT_ACTIVITIES", "integer"),
    ],
)
def test_bad_configuration_names_the_variable(tmp_path: Path, env: dict[str, str], variable: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings({"GA_STATE_DIR": str(tmp_path), **env})
    assert e.value.variable == variable and message in str(e.value)


def test_secrets_are_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings({"GA_STATE_DIR": str(tmp_path), "GA_LOCAL_RESULTS_DIR": "r", "TEMPORAL_API_KEY": "sec ret"})
    assert "sec ret" not in str(e.value) and "TEMPORAL_API_KEY" in str(e.value)


def test_worker_exits_2_on_bad_configuration(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GA_LOCAL_RESULTS_DIR", "r")
    monkeypatch.setenv("S3_FORCE_PATH_STYLE", "maybe")
    assert main(["worker", "--analyses", "example_py"]) == 2
    err = capsys.readouterr().err
    assert "S3_FORCE_PATH_STYLE: 'maybe' is not valid; expected true or false" in err


def test_worker_exits_1_when_temporal_is_unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GA_LOCAL_RESULTS_DIR", str(tmp_path))
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")  # discard port: nothing listens
    assert main(["worker", "--analyses", "example_py"]) == 1
    assert "cannot connect to Temporal at 127.0.0.1:9" in capsys.readouterr().err
