"""The authoring API: :class:`Analysis` describes one analysis (its name, version, parameters,
outputs and functions) and yields its manifest and code version."""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ._version import __version__ as FRAMEWORK_VERSION
from .errors import InvalidInput, InvalidOutput, format_validation_error

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
#: What the TypeScript registry accepts as a manifest's ``code_version``.
CODE_VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?\+src\.[0-9a-f]{12,64}$")
TASK_QUEUE_PATTERN = re.compile(r"^\S{1,255}$")
DEFAULT_TASK_QUEUE = "grouped-analysis-py"
#: Added to every run's parameters by the TypeScript side; dropped unless the model declares them.
RESERVED_PARAMETERS = ("analysis_name", "analysis_tag")
MANIFEST_VERSION = 1
PARTIAL_FORMAT = "grouped-analysis-py/partial@1"


class AnalysisDefinitionError(ValueError):
    """An :class:`Analysis` is declared wrongly (raised when the module defining it is loaded)."""


def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, BaseModel)


def _source_file(fn: Any) -> Path:
    target = fn.func if isinstance(fn, functools.partial) else fn
    try:
        return Path(inspect.getsourcefile(target) or inspect.getfile(target)).resolve()
    except TypeError:  # a callable instance: its class's module
        return Path(inspect.getfile(type(target))).resolve()


def _sources_of(origin: Path) -> list[tuple[str, Path]]:
    """(relative POSIX path, file) of every source the code version covers, sorted by path.

    A module in a package covers every ``.py`` of its top-level package (helpers change results
    too); a lone module (a script) covers itself.
    """
    if origin.is_dir():
        top = origin
    else:
        top = origin.parent
        if not (top / "__init__.py").is_file():
            return [(origin.name, origin)]
        while (top.parent / "__init__.py").is_file():
            top = top.parent
    files = [p for p in top.rglob("*.py") if "__pycache__" not in p.parts and p.is_file()]
    return sorted(((p.relative_to(top.parent).as_posix(), p) for p in files), key=lambda x: x[0])


class Analysis:
    """One analysis served by the Python worker.

    Two modes:

    - **job** (``run=``): ``run(dispatch_inputs, params, ctx) -> outputs`` is called once per run
      with every session staged locally (``ctx.sessions``, and ``dispatch_inputs.file_location``
      = their local paths). The session step only stages each session.
    - **session-group** (``per_session=`` and ``group=``): ``per_session(session, params, ctx) ->
      partial`` runs once per session and is cached by content (a new session of a mouse
      recomputes only that session); files it writes under ``ctx.results_dir`` become outputs of
      every run that includes the session. ``group(partials, params, ctx) -> outputs`` then gets
      the partials in session order. A partial is anything JSON-serialisable, or a pydantic model.

    Arguments:
        name: ``^[a-z0-9][a-z0-9-]{0,63}$``, unique across all analyses (TypeScript ones too).
        version: semver ``X.Y.Z[-pre]``; bump it when results change.
        parameters: the pydantic model of the parameters (a ``BaseModel`` or aind-data-schema
            ``GenericModel`` subclass); defaults and descriptions show in the CLI and schemas.
        outputs: pydantic model of what ``run`` / ``group`` returns (the record's summary), or
            ``None`` for a plain JSON object (or nothing).
        title, description: shown by ``npm run cli -- analyses``.
        session_parameters: session-group mode: the parameters a partial depends on (a change of
            the others reuses cached partials); ``None`` = all.
        figures: ``[{"name": ..., "description": ...}]``, for the documentation.
        non_retryable: exception classes that fail the run at once instead of being retried.
        task_queue: the Temporal task queue serving it (default ``grouped-analysis-py``; a
            worker and dispatcher with ``GA_PY_TASK_QUEUE`` set use that instead).
        source: the file or package folder whose sources make the code version (default: where
            ``run`` / ``per_session`` is defined).
    """

    def __init__(
        self,
        *,
        name: str,
        version: str,
        parameters: type[BaseModel],
        run: Callable[..., Any] | None = None,
        per_session: Callable[..., Any] | None = None,
        group: Callable[..., Any] | None = None,
        outputs: type[BaseModel] | None = None,
        title: str | None = None,
        description: str = "",
        session_parameters: Sequence[str] | None = None,
        figures: Iterable[Mapping[str, str]] = (),
        non_retryable: Iterable[type[BaseException]] = (),
        task_queue: str | None = None,
        source: str | os.PathLike[str] | None = None,
    ) -> None:
        def fail(message: str) -> None:
            raise AnalysisDefinitionError(f"Analysis {name!r}: {message}")

        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            fail("name must match ^[a-z0-9][a-z0-9-]{0,63}$ (lowercase letters, digits, hyphens; e.g. 'lick-rates')")
        if not isinstance(version, str) or not VERSION_PATTERN.match(version):
            fail(f"version {version!r} is not semver X.Y.Z or X.Y.Z-pre (e.g. '0.1.0')")
        if not _is_model(parameters):
            fail("parameters must be a pydantic model class (BaseModel or aind-data-schema GenericModel subclass)")
        if outputs is not None and not _is_model(outputs):
            fail("outputs must be a pydantic model class or None")
        if run is not None and (per_session is not None or group is not None):
            fail("give either run= (job mode) or per_session= and group= (session-group mode), not both")
        if run is None and (per_session is None or group is None):
            fail("give run= (job mode) or both per_session= and group= (session-group mode)")
        for label, fn in (("run", run), ("per_session", per_session), ("group", group)):
            if fn is not None and not callable(fn):
                fail(f"{label} must be callable")
        if session_parameters is not None:
            if run is not None:
                fail("session_parameters only applies to the session-group mode")
            if isinstance(session_parameters, str):
                fail("session_parameters must be a list of parameter names")
            unknown = [p for p in session_parameters if p not in parameters.model_fields]
            if unknown:
                fail(f"session_parameters {unknown} are not fields of {parameters.__name__}")
        self.figures: list[dict[str, str]] = []
        for f in figures:
            if not isinstance(f, Mapping) or not isinstance(f.get("name"), str) or not f["name"]:
                fail(f'each figure is {{"name": str, "description": str}}, got {f!r}')
            if set(f) - {"name", "description"}:
                fail(f"figure {f['name']!r} has unknown keys {sorted(set(f) - {'name', 'description'})}")
            self.figures.append({"name": f["name"], "description": str(f.get("description", ""))})
        self.non_retryable = tuple(non_retryable)
        if not all(isinstance(c, type) and issubclass(c, BaseException) for c in self.non_retryable):
            fail("non_retryable must list exception classes")
        if task_queue is not None and not TASK_QUEUE_PATTERN.match(task_queue):
            fail(f"task_queue {task_queue!r} must be 1-255 characters without spaces")
        try:
            parameters.model_json_schema()
            if outputs is not None:
                outputs.model_json_schema()
        except Exception as e:  # noqa: BLE001 - any schema failure is a definition error
            fail(f"cannot build the JSON schema of its models: {e}")

        self.name = name
        self.version = version
        self.parameters = parameters
        self.outputs = outputs
        self.run = run
        self.per_session = per_session
        self.group = group
        self.title = title if title is not None else name
        self.description = description
        self.session_parameters = list(session_parameters) if session_parameters is not None else None
        self.task_queue = task_queue
        #: The module whose code created it: where ``entry`` looks for it.
        self.defined_in: str = sys._getframe(1).f_globals.get("__name__", "")
        self._origin = Path(source).resolve() if source is not None else _source_file(run or per_session)
        if not self._origin.exists():
            fail(f"source {str(self._origin)!r} does not exist")

    def __repr__(self) -> str:
        return f"Analysis(name={self.name!r}, version={self.version!r}, mode={self.mode!r})"

    @property
    def mode(self) -> Literal["job", "session-group"]:
        return "job" if self.run is not None else "session-group"

    def source_files(self) -> list[tuple[str, Path]]:
        """The files the code version covers: (relative POSIX path, path), sorted."""
        return _sources_of(self._origin)

    @functools.cached_property
    def source_digest(self) -> str:
        """sha256 over each source (``path NUL bytes NUL``, sorted by path), then
        ``grouped-analysis-py NUL <framework version> NUL``."""
        h = hashlib.sha256()
        for rel, path in self.source_files():
            h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        h.update(b"grouped-analysis-py\0" + FRAMEWORK_VERSION.encode() + b"\0")
        return h.hexdigest()

    @property
    def code_version(self) -> str:
        """``<version>+src.<first 12 hex of source_digest>``, or ``GA_PY_CODE_VERSION`` if set."""
        override = os.environ.get("GA_PY_CODE_VERSION")
        if override:
            if not CODE_VERSION_PATTERN.match(override):
                raise AnalysisDefinitionError(
                    f"GA_PY_CODE_VERSION={override!r} is not <semver>+src.<12-64 hex digits> (e.g. 0.1.0+src.0123456789ab)"
                )
            return override
        return f"{self.version}+src.{self.source_digest[:12]}"

    def effective_task_queue(self, override: str | None = None) -> str:
        """``GA_PY_TASK_QUEUE`` when set (as the dispatcher reads it), else the analysis's own."""
        return override or self.task_queue or DEFAULT_TASK_QUEUE

    def manifest(self) -> dict[str, Any]:
        """The manifest the TypeScript registry reads (python/manifests/<name>.json). ``entry``
        is how ``--analyses`` reaches this analysis (see :func:`loader.entry_of`)."""
        from .loader import entry_of  # the loader imports this module

        declared = [k for k in RESERVED_PARAMETERS if k in self.parameters.model_fields]
        if declared:
            raise AnalysisDefinitionError(
                f"Analysis {self.name!r}: its parameters model declares {declared}; the dispatcher gives every "
                "analysis these, and the TypeScript registry refuses a manifest that declares them: remove them"
            )
        return {
            "manifest_version": MANIFEST_VERSION,
            "language": "python",
            # major.minor: the same on every machine of the pinned environment.
            "language_version": f"{sys.version_info.major}.{sys.version_info.minor}",
            "entry": entry_of(self),
            "name": self.name,
            "version": self.version,
            "code_version": self.code_version,
            "title": self.title,
            "description": self.description,
            "task_queue": self.effective_task_queue(),
            "mode": self.mode,
            "parameters_schema": self.parameters.model_json_schema(),
            "outputs_schema": self.outputs.model_json_schema() if self.outputs is not None else None,
            "session_parameters": self.session_parameters,
            "figures": self.figures,
        }

    def parse_parameters(self, raw: Any) -> BaseModel:
        """The run's parameters as the model: ``analysis_name`` / ``analysis_tag`` dropped unless
        the model declares them; problems raise :class:`InvalidInput` naming each field."""
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"parameters of {self.name} must be a JSON object, got {type(raw).__name__}")
        data = dict(raw)
        for key in RESERVED_PARAMETERS:
            if key not in self.parameters.model_fields:
                data.pop(key, None)
        try:
            return self.parameters.model_validate(data)
        except ValidationError as e:
            raise InvalidInput(
                f"invalid parameters for {self.name} {self.version}: {format_validation_error(e, 'parameters')}"
            ) from None

    def summary_of(self, out: Any) -> dict[str, Any]:
        """What ``run`` / ``group`` returned, validated by ``outputs``, as a JSON object."""
        if self.outputs is not None:
            data = out.model_dump(mode="json") if isinstance(out, BaseModel) and not isinstance(out, self.outputs) else out
            try:
                model = data if isinstance(data, self.outputs) else self.outputs.model_validate(data)
            except ValidationError as e:
                raise InvalidOutput(
                    f"{self.name} returned outputs that do not match {self.outputs.__name__}: {format_validation_error(e, 'outputs')}"
                ) from None
            return model.model_dump(mode="json")
        if out is None:
            return {}
        if isinstance(out, BaseModel):
            return out.model_dump(mode="json")
        if not isinstance(out, Mapping):
            raise InvalidOutput(f"{self.name} returned {type(out).__name__}; without an outputs model, return a dict or None")
        return dict(out)
