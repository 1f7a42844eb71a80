"""Run an analysis on local session files, without Temporal or a results store: for an
analysis's own tests and for trying it out (``grouped-analysis-py run``)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .activities import dispatch_inputs, to_json_value
from .analysis import Analysis
from .context import RunContext
from .errors import InvalidInput, InvalidOutput
from .inputs import Stager
from .stores import folder_files


@dataclass
class LocalRun:
    """What a run produced: the validated outputs (``summary``), the files under
    ``results_dir`` (relative paths, sorted), the partials (session-group mode) and warnings."""

    summary: dict[str, Any]
    results_dir: Path
    files: list[str]
    partials: list[Any]
    warnings: list[str]
    session_warnings: list[str]


def _no_s3() -> Any:
    raise InvalidInput("S3 sessions need the worker (grouped-analysis-py worker); run_local reads local files only")


def run_local(
    analysis: Analysis,
    sessions: Iterable[str | Path],
    params: Mapping[str, Any] | BaseModel | None = None,
    results_dir: str | Path | None = None,
    subject_id: str = "local",
) -> LocalRun:
    """Runs ``analysis`` as a worker would, on local HDF5 files / Zarr folders (in order).

    Session files (session-group mode) land in ``results_dir`` next to the group's files, as
    they do in a run's outputs. ``results_dir`` defaults to a new temporary folder.
    """
    parameters = analysis.parse_parameters(params.model_dump() if isinstance(params, BaseModel) else dict(params or {}))
    out_dir = Path(results_dir) if results_dir is not None else Path(tempfile.mkdtemp(prefix=f"{analysis.name}-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="grouped-analysis-py-"))
    stager = Stager(work, _no_s3)
    staged = [stager.stage({"uri": Path(s).absolute().as_uri(), "fingerprint": ""}) for s in sessions]
    workflow = {"subjectId": subject_id, "inputs": {"locations": [s.uri for s in staged]}}

    def context(n: int, sessions: list[Any], results: Path) -> RunContext:
        results.mkdir(parents=True)
        (work / f"scratch-{n}").mkdir()
        return RunContext(results_dir=results, scratch_dir=work / f"scratch-{n}", subject_id=subject_id, sessions=sessions)

    try:
        partials: list[Any] = []
        session_warnings: list[str] = []
        if analysis.per_session is not None:
            for i, session in enumerate(staged):
                ctx = context(i, [session], work / f"session-{i}")
                partials.append(to_json_value(analysis.per_session(session, parameters, ctx), f"the partial of {session.uri}"))
                session_warnings += ctx.warnings
                for name in folder_files(ctx.results_dir):
                    if (out_dir / name).exists():
                        raise InvalidOutput(f"{name} is written by two sessions (or exists in {out_dir})")
                    (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(ctx.results_dir / name, out_dir / name)
        ctx = context(len(staged), staged if analysis.run is not None else [], work / "group")
        if analysis.run is not None:
            out = analysis.run(dispatch_inputs(workflow, staged), parameters, ctx)
        else:
            assert analysis.group is not None
            out = analysis.group(partials, parameters, ctx)
        summary = to_json_value(analysis.summary_of(out), f"the outputs of {analysis.name}")
        for name in folder_files(ctx.results_dir):
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ctx.results_dir / name, out_dir / name)
        return LocalRun(summary, out_dir, folder_files(out_dir), partials, ctx.warnings, session_warnings)
    finally:
        shutil.rmtree(work, ignore_errors=True)
