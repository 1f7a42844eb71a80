"""Finds the analyses named by ``--analyses`` specs.

A spec is ``MODULE:OBJ`` (OBJ an :class:`Analysis` or a list of them) or ``MODULE`` alone (every
analysis the module defines at top level or registers through the compat shim's
``run_analysis_jobs``). MODULE is a dotted module name or a path to a ``.py`` file or a package
folder. A module whose analyses appear only when it runs as a script (the upstream
``if __name__ == "__main__": run_analysis_jobs(...)``) is then run as ``__main__``, with
``run_analysis_jobs`` registering instead of running jobs.
"""

from __future__ import annotations

import importlib
import importlib.util
import runpy
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from .analysis import Analysis, AnalysisDefinitionError
from .config import repo_root


class LoadError(Exception):
    """A spec names nothing loadable (shown by the CLI, exit 2)."""


#: Analyses registered by ``run_analysis_jobs``, by the file of the module that called it.
_registered: dict[Path, dict[str, Analysis]] = {}
#: Modules imported from a path outside any package (importable only through that path).
_lone: dict[str, Path] = {}
_loading = 0


def is_loading() -> bool:
    """True while the loader imports a module: ``run_analysis_jobs`` registers then."""
    return _loading > 0


def register(caller_file: str | Path, analysis: Analysis) -> None:
    _registered.setdefault(Path(caller_file).resolve(), {})[analysis.name] = analysis


@contextmanager
def _loading_scope() -> Iterator[None]:
    global _loading
    _loading += 1
    try:
        yield
    finally:
        _loading -= 1


def _import_path(path: Path) -> ModuleType:
    """Imports a file or package folder: as part of its package if it is in one (so relative
    imports work), else as a lone module whose folder is on sys.path (as running a script)."""
    path = path.resolve()
    file = path / "__init__.py" if path.is_dir() else path
    if not file.is_file():
        raise LoadError(f"{path}: no such Python file (or package folder with __init__.py)")
    if (file.parent / "__init__.py").is_file():
        top = file.parent
        while (top.parent / "__init__.py").is_file():
            top = top.parent
        parts = list(file.relative_to(top.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        root = str(top.parent)
        if root not in sys.path:
            sys.path.insert(0, root)
        return importlib.import_module(".".join(parts))
    name = file.stem
    existing = sys.modules.get(name)
    if existing is not None:
        if getattr(existing, "__file__", None) and Path(existing.__file__).resolve() == file:
            return existing
        raise LoadError(f"{file}: a module named {name!r} is already loaded from elsewhere; rename the script")
    if str(file.parent) not in sys.path:
        sys.path.insert(0, str(file.parent))
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    _lone[name] = file
    return module


def _analyses_in(values: Iterable[Any]) -> list[Analysis]:
    return [v for v in values if isinstance(v, Analysis)]


def _unique(analyses: Iterable[Analysis]) -> list[Analysis]:
    out: list[Analysis] = []
    for a in analyses:
        if not any(a is b for b in out):
            out.append(a)
    return out


def load_spec(spec: str) -> list[Analysis]:
    target, _, obj = spec.strip().rpartition(":") if ":" in spec else (spec.strip(), "", "")
    is_path = target.endswith(".py") or "/" in target or Path(target).is_dir()
    root = repo_root()
    if is_path and not Path(target).exists() and root is not None and (root / target).exists():
        target = str(root / target)  # a manifest's entry, relative to the repository
    with _loading_scope():
        try:
            module = _import_path(Path(target)) if is_path else importlib.import_module(target)
        except ModuleNotFoundError as e:
            if e.name and target.startswith(e.name):
                raise LoadError(f"{spec}: no module {e.name!r} (is it installed, or give a path to the file)") from None
            raise
        if obj:
            try:
                value = getattr(module, obj)
            except AttributeError:
                raise LoadError(f"{spec}: module {module.__name__!r} has no attribute {obj!r}") from None
            found = [value] if isinstance(value, Analysis) else value if isinstance(value, (list, tuple)) else []
            if not found or not all(isinstance(a, Analysis) for a in found):
                raise LoadError(f"{spec}: {obj!r} is not an Analysis (or a list of them)")
            return list(found)
        file = Path(module.__file__).resolve() if getattr(module, "__file__", None) else None
        found = list(_registered.get(file, {}).values()) + _analyses_in(vars(module).values())
        if not found and file is not None:
            # Upstream scripts call run_analysis_jobs under `if __name__ == "__main__":`.
            namespace = runpy.run_path(str(file), run_name="__main__") if is_path else runpy.run_module(target, run_name="__main__")
            found = list(_registered.get(file, {}).values()) + _analyses_in(namespace.values())
    if not found:
        raise LoadError(
            f"{spec}: no analysis found; define an Analysis at module level, name it with {target}:OBJ, or call run_analysis_jobs(...)"
        )
    return _unique(found)


def load_analyses(specs: Iterable[str]) -> list[Analysis]:
    """Every analysis the specs name, in order; two with one name are refused."""
    out: list[Analysis] = []
    for spec in specs:
        for a in load_spec(spec):
            if any(a is b for b in out):  # named by two specs
                continue
            clash = next((b for b in out if b.name == a.name), None)
            if clash is not None:
                raise LoadError(f"{spec}: two analyses are named {a.name!r}; names must be unique")
            out.append(a)
    if not out:
        raise LoadError("no analyses given: pass --analyses MODULE[:OBJ] (or set GA_PY_ANALYSES)")
    return out


def _display_path(path: Path) -> str:
    root = repo_root()
    return path.relative_to(root).as_posix() if root is not None and root in path.parents else str(path)


def entry_of(analysis: Analysis) -> str:
    """The ``--analyses`` spec that loads ``analysis``: a ``run_analysis_jobs`` registration's
    script path; else ``module:attr`` for the attribute holding it in the module that defined it
    or one of that module's packages (the shortest name: ``example_py:analysis``); for a script
    loaded by path, ``path:attr``. Paths are repository-relative when inside it."""
    for file, registered in _registered.items():
        if any(a is analysis for a in registered.values()):
            return _display_path(file)
    parts = analysis.defined_in.split(".")
    candidates = []
    for name in (".".join(parts[:i]) for i in range(1, len(parts) + 1)):
        module = sys.modules.get(name)
        for attr, value in list(getattr(module, "__dict__", {}).items()):
            if value is analysis and not attr.startswith("_"):
                candidates.append((len(name), name, attr))
    if not candidates or analysis.defined_in == "__main__":
        raise AnalysisDefinitionError(f"Analysis {analysis.name!r}: not reachable as MODULE:OBJ; define it at module level")
    _, name, attr = min(candidates)
    return f"{_display_path(_lone[name])}:{attr}" if name in _lone else f"{name}:{attr}"
