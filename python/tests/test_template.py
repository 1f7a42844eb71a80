"""python/templates/analysis: the example is the template rendered as example-py, and a
scaffolded analysis loads, exports and passes its own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ga_test_helpers import PYTHON_DIR

from grouped_analysis_py.analysis import CODE_VERSION_PATTERN
from grouped_analysis_py.loader import load_spec

TEMPLATE = PYTHON_DIR / "templates" / "analysis"


def render(name: str) -> dict[str, str]:
    """Relative path -> text, with {{name}} (the analysis name) and {{module}} (its Python
    package: the name with '-' as '_') replaced in paths and contents, as the scaffold does."""
    module = name.replace("-", "_")

    def sub(text: str) -> str:
        return text.replace("{{name}}", name).replace("{{module}}", module)

    return {
        sub(p.relative_to(TEMPLATE).as_posix()): sub(p.read_text())
        for p in sorted(TEMPLATE.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_example_is_the_rendered_template() -> None:
    example = PYTHON_DIR / "examples" / "example_py"
    files = {
        p.relative_to(example).as_posix(): p.read_text()
        for p in sorted(example.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert files == render("example-py"), "re-render python/examples/example_py from python/templates/analysis"


def test_a_scaffolded_analysis_loads_and_passes_its_tests(tmp_path: Path) -> None:
    project = tmp_path / "my_trials"
    for rel, text in render("my-trials").items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    (a,) = load_spec(str(project / "my_trials"))
    assert a.name == "my-trials" and CODE_VERSION_PATTERN.match(a.code_version)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(project)},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 passed, 1 skipped" in out.stdout
