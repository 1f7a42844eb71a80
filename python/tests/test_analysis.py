"""The authoring API: declaration checks, parameters, outputs and the code version."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from grouped_analysis_py import Analysis, AnalysisDefinitionError, InvalidInput, InvalidOutput
from grouped_analysis_py.analysis import CODE_VERSION_PATTERN
from grouped_analysis_py.loader import load_spec


class P(BaseModel):
    bin_size: float = Field(1.0, gt=0, description="Bin width in seconds.")


class O(BaseModel):
    n: int


def run(dispatch_inputs, params, ctx):
    return {"n": 1}


def make(**kw) -> Analysis:
    return Analysis(**{"name": "ok-name", "version": "1.2.3", "parameters": P, "run": run, **kw})


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"name": "Bad_Name"}, "name must match"),
        ({"name": "-leading"}, "name must match"),
        ({"name": "x" * 65}, "name must match"),
        ({"version": "1.2"}, "not semver"),
        ({"version": "1.2.3+build"}, "not semver"),
        ({"parameters": dict}, "parameters must be a pydantic model"),
        ({"outputs": dict}, "outputs must be a pydantic model"),
        ({"per_session": run, "group": run}, "not both"),
        ({"run": None}, "give run="),
        ({"run": None, "per_session": run}, "give run="),
        ({"session_parameters": ["bin_size"]}, "only applies to the session-group mode"),
        ({"run": None, "per_session": run, "group": run, "session_parameters": ["nope"]}, "are not fields of P"),
        ({"figures": [{"title": "x"}]}, "each figure is"),
        ({"figures": [{"name": "a", "colour": "red"}]}, "unknown keys"),
        ({"non_retryable": [ValueError, "KeyError"]}, "exception classes"),
        ({"task_queue": "has space"}, "task_queue"),
    ],
)
def test_bad_declarations_are_refused(kw, message) -> None:
    with pytest.raises(AnalysisDefinitionError, match=message):
        make(**kw)


def test_a_good_declaration() -> None:
    a = make(outputs=O, figures=[{"name": "f"}], non_retryable=[KeyError])
    assert a.mode == "job" and a.title == "ok-name" and a.figures == [{"name": "f", "description": ""}]
    assert a.non_retryable == (KeyError,)
    sg = make(run=None, per_session=run, group=run, session_parameters=["bin_size"])
    assert sg.mode == "session-group" and sg.session_parameters == ["bin_size"]
    with pytest.raises(AnalysisDefinitionError, match="not reachable as MODULE:OBJ"):
        sg.manifest()  # defined in a function: nothing could load it


def test_parameters_drop_analysis_name_and_tag() -> None:
    params = make().parse_parameters({"bin_size": 2, "analysis_name": "ok-name", "analysis_tag": "V1"})
    assert params == P(bin_size=2)


def test_parameters_keep_analysis_name_and_tag_when_declared() -> None:
    class Tagged(BaseModel):
        analysis_tag: str
        bin_size: float = 1.0

    tagged = make(parameters=Tagged)
    assert tagged.parse_parameters({"analysis_name": "ok-name", "analysis_tag": "V1"}) == Tagged(analysis_tag="V1")
    with pytest.raises(AnalysisDefinitionError, match=r"declares \['analysis_tag'\].*remove them"):
        tagged.manifest()


def test_bad_parameters_are_invalid_input_naming_each_field() -> None:
    with pytest.raises(InvalidInput) as e:
        make().parse_parameters({"bin_size": 0, "analysis_name": "ok-name"})
    assert e.value.message == "invalid parameters for ok-name 1.2.3: parameters.bin_size: Input should be greater than 0"
    with pytest.raises(InvalidInput, match="must be a JSON object"):
        make().parse_parameters([1])


def test_aind_data_schema_generic_model_parameters() -> None:
    base = pytest.importorskip("aind_data_schema.base", reason="aind-data-schema (dev extra) is not installed")

    class Spec(base.GenericModel):
        bin_size: float = Field(1.0, gt=0)

    a = make(parameters=Spec, outputs=Spec)
    assert a.parse_parameters({"bin_size": 3, "analysis_tag": "V1"}).bin_size == 3
    assert a.parameters.model_json_schema()["properties"]["bin_size"]["exclusiveMinimum"] == 0
    assert a.summary_of({"bin_size": 2}) == {"bin_size": 2.0}
    with pytest.raises(InvalidInput, match=r"parameters\.bin_size"):
        a.parse_parameters({"bin_size": -1})


def test_outputs_are_validated() -> None:
    a = make(outputs=O)
    assert a.summary_of({"n": 3}) == {"n": 3} == a.summary_of(O(n=3))
    with pytest.raises(InvalidOutput, match=r"outputs\.n: Input should be a valid integer"):
        a.summary_of({"n": "three"})
    assert make().summary_of(None) == {}
    with pytest.raises(InvalidOutput, match="return a dict or None"):
        make().summary_of([1, 2])


def _package(root: Path) -> Path:
    pkg = root / "cv_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "helpers.py").write_text("FACTOR = 1\n")
    (pkg / "mod.py").write_text(
        textwrap.dedent(
            """
            from pydantic import BaseModel
            from grouped_analysis_py import Analysis

            class P(BaseModel):
                x: int = 0

            def run(d, p, ctx):
                return {}

            analysis = Analysis(name="cv-test", version="0.3.0", parameters=P, run=run)
            """
        )
    )
    return pkg


def _fresh_code_version(pkg: Path) -> str:
    # A new Analysis over the same files (the module itself stays imported).
    a = load_spec(f"{pkg / 'mod.py'}:analysis")[0]
    return Analysis(name=a.name, version=a.version, parameters=a.parameters, run=a.run).code_version


def test_code_version_covers_every_source_of_the_package(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    first = _fresh_code_version(pkg)
    assert CODE_VERSION_PATTERN.match(first) and first.startswith("0.3.0+src.")
    a = load_spec(f"{pkg / 'mod.py'}:analysis")[0]
    assert [rel for rel, _ in a.source_files()] == ["cv_pkg/__init__.py", "cv_pkg/helpers.py", "cv_pkg/mod.py"]
    assert _fresh_code_version(pkg) == first  # deterministic
    (pkg / "helpers.py").write_text("FACTOR = 2\n")
    second = _fresh_code_version(pkg)
    assert second != first
    (pkg / "mod.py").write_text((pkg / "mod.py").read_text() + "# a comment changes it too\n")
    assert _fresh_code_version(pkg) not in (first, second)


def test_code_version_of_a_lone_script_covers_the_script(tmp_path: Path) -> None:
    script = tmp_path / "lone_script.py"
    script.write_text((Path(__file__).parent / "fixtures" / "sg_analysis.py").read_text())
    a = load_spec(str(script))[0]
    assert [rel for rel, _ in a.source_files()] == ["lone_script.py"]


def test_code_version_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GA_PY_CODE_VERSION", "1.2.3+src.0123456789abcdef")
    assert make().code_version == "1.2.3+src.0123456789abcdef"
    monkeypatch.setenv("GA_PY_CODE_VERSION", "1.2.3")
    with pytest.raises(AnalysisDefinitionError, match="GA_PY_CODE_VERSION"):
        make().code_version
