"""The two activities the Python worker serves, named as the TypeScript ones
(``analyzeSession``, ``computeGroup``; see docs/python-analyses.md). Each runs its work in a
thread so the event loop keeps heartbeating, and maps every exception to the
``ApplicationError`` the contract describes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio import activity

from .analysis import PARTIAL_FORMAT, Analysis
from .context import AnalysisDispatchModel, RunContext, SessionInput
from .errors import AnalysisNotServed, CodeVersionMismatch, InvalidInput, InvalidOutput, to_application_error
from .inputs import Stager
from .stores import ObjectNotFound, ResultsStore, check_key, folder_files, upload_folder

T = TypeVar("T")
PARTIAL_SUFFIX = ".partial"
_DEDUP_KEY = re.compile(r"^[0-9a-f]{64}$")
#: Seconds between heartbeats while nothing reports progress (the workflow's timeout is 1 min).
HEARTBEAT_INTERVAL = 10.0
#: Session files copied into a run's outputs at once.
COPY_CONCURRENCY = 8



@contextlib.contextmanager
def _naming_sessions(sessions: Sequence[SessionInput]) -> Iterator[None]:
    """An exception naming a staged copy (``InvalidInput.file``, ``OSError.filename``) names the
    session's URI instead: the scratch path means nothing to whoever reads the failed record."""
    try:
        yield
    except BaseException as e:
        for attr in ("file", "filename"):
            named = getattr(e, attr, None)
            if not isinstance(named, (str, os.PathLike)):
                continue
            for s in sessions:
                if s.path is not None and (Path(named) == s.path or s.path in Path(named).parents):
                    inner = Path(named).relative_to(s.path).as_posix()  # a file in a Zarr folder
                    try:
                        setattr(e, attr, s.uri if inner == "." else f"{s.uri.rstrip('/')}/{inner}")
                    except AttributeError:  # a read-only attribute: keep what it says
                        pass
                    break
        raise

class _Beat:
    """Progress reported from the worker thread, sent as heartbeats by the event loop (the SDK's
    heartbeat must be called there): the latest progress at most once a second, and every
    HEARTBEAT_INTERVAL seconds while nothing changes."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._changed = asyncio.Event()
        self._pending = False
        self.latest: Any = None

    def __call__(self, detail: Any = None) -> None:
        # Details must encode (a failed heartbeat cancels the activity): whatever is not JSON
        # becomes its text.
        self.latest = json.loads(json.dumps(detail, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v)))
        if not self._pending:  # one wake-up in flight is enough: the pump sends the latest
            self._pending = True
            self._loop.call_soon_threadsafe(self._changed.set)

    async def pump(self) -> None:
        while True:
            try:
                async with asyncio.timeout(HEARTBEAT_INTERVAL):
                    await self._changed.wait()
            except TimeoutError:
                pass
            self._changed.clear()
            self._pending = False
            activity.heartbeat(*([] if self.latest is None else [self.latest]))
            await asyncio.sleep(1.0)


def _plain(value: Any) -> Any:
    # numpy scalars and arrays: what analyses return most often besides plain values.
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def to_json_value(value: Any, what: str) -> Any:
    """``value`` as plain JSON (pydantic models dumped, numpy values converted); NaN and
    infinities are refused (the TypeScript side cannot read them)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    try:
        return json.loads(json.dumps(value, allow_nan=False, default=_plain))
    except (TypeError, ValueError) as e:
        raise InvalidOutput(f"{what} is not JSON ({e}); use numbers, strings, lists and dicts, and None for NaN") from None


def _workflow(args: Any) -> Mapping[str, Any]:
    w = args.get("workflow") if isinstance(args, Mapping) else None
    if not isinstance(w, Mapping):
        raise InvalidInput("the activity input has no workflow object")
    return w


def _files_prefix(partial_key: str) -> str:
    return partial_key[: -len(PARTIAL_SUFFIX)] + "/"


def _check_partial_key(key: Any) -> str:
    try:
        if isinstance(key, str) and key.startswith("_cache/") and key.endswith(PARTIAL_SUFFIX):
            return check_key(key)
    except ValueError:
        pass
    raise InvalidInput(f"partial key {key!r} is not _cache/.../<id>.partial (computed by the TypeScript resolver)")


class PythonActivities:
    """``analyzeSession`` and ``computeGroup`` for the given analyses (by name)."""

    def __init__(
        self,
        analyses: Mapping[str, Analysis],
        store: ResultsStore,
        stager: Stager,
        scratch_dir: Path,
        executor: Executor | None = None,
    ) -> None:
        self.analyses = dict(analyses)
        self.store = store
        self.stager = stager
        self.work_dir = Path(scratch_dir) / "work"
        self._executor = executor or ThreadPoolExecutor(4, thread_name_prefix="analysis")

    # ---- activities -------------------------------------------------------------------------

    @activity.defn(name="analyzeSession")
    async def analyze_session(self, args: dict[str, Any]) -> dict[str, Any]:
        """``{workflow, session, partialKey} -> {partialKey, fromCache, warnings}``."""
        return await self._in_thread(self._analyze_session, args)

    @activity.defn(name="computeGroup")
    async def compute_group(self, args: dict[str, Any]) -> dict[str, Any]:
        """``{workflow, sessions, partialKeys} -> {outputs, summary, warnings, sessionWarnings}``."""
        return await self._in_thread(self._compute_group, args)

    async def _in_thread(self, fn: Callable[[dict[str, Any], _Beat, threading.Event], T], args: dict[str, Any]) -> T:
        loop = asyncio.get_running_loop()
        beat = _Beat(loop)
        cancelled = threading.Event()
        pump = asyncio.create_task(beat.pump())
        try:
            return await loop.run_in_executor(self._executor, functools.partial(fn, args, beat, cancelled))
        except asyncio.CancelledError:
            # The thread cannot be stopped; ctx.heartbeat() raises Cancelled in it from now on.
            cancelled.set()
            raise
        finally:
            pump.cancel()

    # ---- shared -----------------------------------------------------------------------------

    def _analysis_for(self, w: Mapping[str, Any]) -> Analysis:
        name = w.get("analysisName")
        analysis = self.analyses.get(name) if isinstance(name, str) else None
        if analysis is None:
            raise AnalysisNotServed(
                f"this worker does not serve analysis {name!r} (it serves {', '.join(sorted(self.analyses))}); "
                "start a Python worker with --analyses for it"
            )
        expected = w.get("analysisCodeVersion")
        if not expected:
            raise InvalidInput(f"the workflow input has no analysisCodeVersion for {name}; dispatch Python analyses with the current dispatcher")
        if expected != analysis.code_version:
            raise CodeVersionMismatch(
                f"this worker runs {name} code {analysis.code_version} but the job was keyed for {expected}: "
                "run a worker of that version or dispatch again"
            )
        return analysis

    def _new_context(self, w: Mapping[str, Any], sessions: list[SessionInput], beat: _Beat, cancelled: threading.Event) -> RunContext:
        work = self.work_dir / secrets.token_hex(8)
        (work / "results").mkdir(parents=True)
        (work / "scratch").mkdir()
        return RunContext(
            results_dir=work / "results",
            scratch_dir=work / "scratch",
            subject_id=str(w.get("subjectId", "")),
            sessions=sessions,
            _beat=beat,
            _cancelled=cancelled,
        )

    def _compute_session(
        self, analysis: Analysis, params: BaseModel, w: Mapping[str, Any], ref: Mapping[str, Any], partial_key: str,
        beat: _Beat, cancelled: threading.Event,
    ) -> list[str]:
        """Stages a session, runs per_session (session-group mode), uploads its files, then writes
        the partial last (its presence means the files are stored). Returns the warnings."""
        session = self.stager.stage(ref, beat)
        partial: Any = None
        files: list[dict[str, Any]] = []
        warnings: list[str] = []
        if analysis.per_session is not None:
            ctx = self._new_context(w, [session], beat, cancelled)
            try:
                beat({"stage": "compute", "session": session.uri})
                with _naming_sessions([session]):
                    partial = to_json_value(analysis.per_session(session, params, ctx), f"the partial of {session.uri}")
                files = upload_folder(self.store, ctx.results_dir, _files_prefix(partial_key), beat)
                warnings = ctx.warnings
            finally:
                shutil.rmtree(ctx.results_dir.parent, ignore_errors=True)
        body = {"format": PARTIAL_FORMAT, "partial": partial, "files": files, "warnings": warnings}
        self.store.put_bytes(partial_key, json.dumps(body, allow_nan=False).encode(), "application/json")
        return warnings

    def _read_partial(self, key: str) -> tuple[dict[str, Any] | None, str]:
        """The decoded partial, or None and what is wrong with it."""
        try:
            data = json.loads(self.store.get(key))
        except ObjectNotFound:
            return None, f"partial {self.store.uri(key)} is missing"
        except ValueError as e:
            return None, f"partial {self.store.uri(key)} is damaged ({e})"
        ok = (
            isinstance(data, dict)
            and data.get("format") == PARTIAL_FORMAT
            and isinstance(data.get("files"), list)
            and all(
                isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("size"), int) and isinstance(f.get("sha256"), str)
                for f in data["files"]
            )
            and isinstance(data.get("warnings"), list)
        )
        return (data, "") if ok else (None, f"partial {self.store.uri(key)} is damaged (not {PARTIAL_FORMAT})")

    # ---- analyzeSession ---------------------------------------------------------------------

    def _analyze_session(self, args: dict[str, Any], beat: _Beat, cancelled: threading.Event) -> dict[str, Any]:
        ref = args.get("session") or {}
        uri = ref.get("uri") if isinstance(ref, Mapping) else None
        non_retryable: tuple[type[BaseException], ...] = ()
        try:
            w = _workflow(args)
            analysis = self._analysis_for(w)
            non_retryable = analysis.non_retryable
            params = analysis.parse_parameters(w.get("parameters"))
            partial_key = _check_partial_key(args.get("partialKey"))
            if self.store.exists(partial_key):
                return {"partialKey": partial_key, "fromCache": True, "warnings": []}
            warnings = self._compute_session(analysis, params, w, ref, partial_key, beat, cancelled)
            return {"partialKey": partial_key, "fromCache": False, "warnings": warnings}
        except BaseException as e:
            raise to_application_error(e, non_retryable, file=uri) from None

    # ---- computeGroup -----------------------------------------------------------------------

    def _compute_group(self, args: dict[str, Any], beat: _Beat, cancelled: threading.Event) -> dict[str, Any]:
        non_retryable: tuple[type[BaseException], ...] = ()
        try:
            w = _workflow(args)
            analysis = self._analysis_for(w)
            non_retryable = analysis.non_retryable
            params = analysis.parse_parameters(w.get("parameters"))
            return self._group(analysis, params, w, args, beat, cancelled)
        except BaseException as e:
            raise to_application_error(e, non_retryable) from None

    def _group(
        self, analysis: Analysis, params: BaseModel, w: Mapping[str, Any], args: Mapping[str, Any],
        beat: _Beat, cancelled: threading.Event,
    ) -> dict[str, Any]:
        dedup = w.get("dedupKey")
        if not isinstance(dedup, str) or not _DEDUP_KEY.match(dedup):
            raise InvalidInput(f"dedup key {dedup!r} is not 64 lowercase hex digits; start runs with the dispatcher")
        refs, keys = list(args.get("sessions") or []), [_check_partial_key(k) for k in args.get("partialKeys") or []]
        if len(refs) != len(keys):
            raise InvalidInput(f"{len(refs)} sessions but {len(keys)} partial keys")
        warnings: list[str] = []

        def recompute(i: int, problem: str) -> dict[str, Any]:
            # Retrying could not mend a partial deleted or damaged meanwhile: make it again.
            warnings.append(f"{problem}; recomputed from {refs[i]['uri']}")
            self._compute_session(analysis, params, w, refs[i], keys[i], beat, cancelled)
            cached, again = self._read_partial(keys[i])
            if cached is None:
                raise RuntimeError(again)
            return cached

        partials: list[dict[str, Any]] = []
        for i, key in enumerate(keys):
            cached, problem = self._read_partial(key)
            partials.append(cached if cached is not None else recompute(i, problem))
            beat({"stage": "read", "done": i + 1})

        def copy_files(i: int) -> None:
            for f in partials[i]["files"]:
                self.store.copy(_files_prefix(keys[i]) + f["name"], f"{dedup}/{f['name']}")

        def copy_session(i: int) -> None:
            try:
                copy_files(i)
            except ObjectNotFound as e:
                partials[i] = recompute(i, str(e))
                copy_files(i)
            beat({"stage": "copy", "session": refs[i]["uri"]})

        with ThreadPoolExecutor(COPY_CONCURRENCY) as pool:
            list(pool.map(copy_session, range(len(keys))))
        outputs = [
            {"name": f["name"], "uri": self.store.uri(f"{dedup}/{f['name']}"), "size": f["size"], "sha256": f["sha256"]}
            for p in partials
            for f in p["files"]
        ]
        session_warnings = [str(m) for p in partials for m in p["warnings"]]

        if analysis.run is not None:
            sessions = [self.stager.stage(ref, beat) for ref in refs]
            ctx = self._new_context(w, sessions, beat, cancelled)
        else:
            ctx = self._new_context(w, [], beat, cancelled)
        try:
            beat({"stage": "group"})
            if analysis.run is not None:
                with _naming_sessions(ctx.sessions):
                    out = analysis.run(dispatch_inputs(w, ctx.sessions), params, ctx)
            else:
                out = analysis.group([p["partial"] for p in partials], params, ctx)
            summary = to_json_value(analysis.summary_of(out), f"the outputs of {analysis.name}")
            session_names = {o["name"] for o in outputs}
            clash = [n for n in folder_files(ctx.results_dir) if n in session_names]
            if clash:
                raise InvalidOutput(f"results files {clash} have the names of per-session files; give them other names")
            for f in upload_folder(self.store, ctx.results_dir, f"{dedup}/", beat):
                outputs.append({**f, "uri": self.store.uri(f"{dedup}/{f['name']}")})
        finally:
            shutil.rmtree(ctx.results_dir.parent, ignore_errors=True)
        return {"outputs": outputs, "summary": summary, "warnings": warnings + ctx.warnings, "sessionWarnings": session_warnings}


def dispatch_inputs(w: Mapping[str, Any], sessions: list[SessionInput]) -> AnalysisDispatchModel:
    """The lab's job model for a run: the job's locations, and the staged sessions' local paths
    as ``file_location``."""
    inputs = w.get("inputs") or {}
    subject = w.get("subjectId")
    return AnalysisDispatchModel(
        s3_location=list(inputs.get("locations") or []),
        asset_name=inputs.get("assetNames"),
        asset_id=inputs.get("assetIds"),
        file_location=[str(s.path) for s in sessions],
        group_metadata={"subject.subject_id": subject} if subject else None,
    )
