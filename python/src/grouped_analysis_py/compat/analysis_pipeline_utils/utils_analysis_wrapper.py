"""``analysis_pipeline_utils.utils_analysis_wrapper.run_analysis_jobs`` (0.2.8), for
grouped-analysis.

Loaded by the worker (``--analyses path/to/script.py``), the call registers the script as a
job-mode :class:`~grouped_analysis_py.Analysis` and returns. Run as a script elsewhere
(``python script.py --input_directory DIR``), it runs the local jobs as upstream does: every
job file in ``DIR/job_dict/``, results in ``./results/<job file name>/`` (plus the validated
outputs as ``output_parameters.json``), nothing uploaded or recorded.

Either way ``run_function(dispatch_inputs, params) -> dict`` runs with the job's results
folder as the current working directory and in ``$RESULTS_DIR`` (upstream's ``/results``);
with ``GA_PY_RESULTS_LINK=/results`` that path is also made a symlink to it for the call, for
scripts that write to ``/results`` literally (a container's worker). All three are process-wide,
so a worker runs one such function at a time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ... import loader
from ...analysis import Analysis
from ...context import AnalysisDispatchModel, RunContext
from ...testing import run_local

logger = logging.getLogger(__name__)
_cwd_lock = threading.Lock()


def _derived_name(caller: Path) -> str:
    name = re.sub(r"[^a-z0-9-]", "", caller.stem.lower().replace("_", "-")).strip("-")[:64]
    return name or "analysis"


def _link(link: Path, target: Path) -> None:
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        raise RuntimeError(f"GA_PY_RESULTS_LINK={link} exists and is not a symlink; the shim only replaces its own link")
    link.symlink_to(target, target_is_directory=True)


def _in_results_dir(run_function: Callable[[Any, Any], Any]) -> Callable[[AnalysisDispatchModel, BaseModel, RunContext], Any]:
    def run(dispatch_inputs: AnalysisDispatchModel, params: BaseModel, ctx: RunContext) -> Any:
        link = Path(os.environ["GA_PY_RESULTS_LINK"]) if os.environ.get("GA_PY_RESULTS_LINK") else None
        with _cwd_lock:
            previous_cwd, previous_env = os.getcwd(), os.environ.get("RESULTS_DIR")
            os.chdir(ctx.results_dir)
            os.environ["RESULTS_DIR"] = str(ctx.results_dir)
            try:
                if link is not None:
                    _link(link, ctx.results_dir)
                return run_function(dispatch_inputs, params)
            finally:
                if link is not None and link.is_symlink():
                    link.unlink()
                os.chdir(previous_cwd)
                if previous_env is None:
                    os.environ.pop("RESULTS_DIR", None)
                else:
                    os.environ["RESULTS_DIR"] = previous_env

    return run


def run_analysis_jobs(
    analysis_input_model: type[BaseModel],
    analysis_output_model: type[BaseModel],
    run_function: Callable[[AnalysisDispatchModel, BaseModel], dict[str, Any]],
) -> None:
    """Registers the calling script as an analysis (under the worker) or runs its local jobs.

    The name is ``$GA_PY_ANALYSIS_NAME`` or the script's file name (``run_capsule.py`` →
    ``run-capsule``); the version ``$GA_PY_ANALYSIS_VERSION`` or ``0.1.0``; the code version
    covers the script (or its whole package if it is in one).
    """
    frame = sys._getframe(1)
    caller = Path(frame.f_code.co_filename).resolve()
    doc = (frame.f_globals.get("__doc__") or "").strip()
    analysis = Analysis(
        name=os.environ.get("GA_PY_ANALYSIS_NAME") or _derived_name(caller),
        version=os.environ.get("GA_PY_ANALYSIS_VERSION") or "0.1.0",
        title=doc.splitlines()[0] if doc else caller.stem,
        description=doc,
        parameters=analysis_input_model,
        outputs=analysis_output_model,
        run=_in_results_dir(run_function),
        source=caller,
    )
    if loader.is_loading():
        loader.register(caller, analysis)
        return
    run_local_jobs(analysis, sys.argv[1:])


def _parse_args(argv: list[str]) -> tuple[Path, Path, dict[str, Any]]:
    """``--input_directory`` (default /data, as upstream), ``--results_directory`` (default
    ./results), ``--dry_run`` (ignored: nothing is uploaded); any other ``--name value`` overrides
    a parameter (the value read as JSON when it parses, else as text)."""
    options: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--"):
            raise SystemExit(f"unexpected argument {arg!r}; expected --name value")
        if "=" in arg:
            key, value = arg[2:].split("=", 1)
            i += 1
        elif i + 1 < len(argv):
            key, value = arg[2:], argv[i + 1]
            i += 2
        else:
            raise SystemExit(f"{arg} needs a value")
        options[key.replace("-", "_")] = value
    input_dir = Path(options.pop("input_directory", "/data"))
    results_dir = Path(options.pop("results_directory", "results"))
    options.pop("dry_run", None)
    overrides: dict[str, Any] = {}
    for key, value in options.items():
        try:
            overrides[key] = json.loads(value)
        except ValueError:
            overrides[key] = value
    return input_dir, results_dir, overrides


def _local_sessions(locations: list[str]) -> list[Path]:
    sessions: list[Path] = []
    for loc in locations:
        if loc.startswith("s3://"):
            raise SystemExit(f"{loc}: S3 inputs are read by the worker; serve this script with grouped-analysis-py worker --analyses <script>")
        path = Path(loc.removeprefix("file://"))
        if path.is_dir() and not (path / ".zgroup").is_file():
            sessions += sorted(path.glob("*.nwb"))
        else:
            sessions.append(path)
    return sessions


def run_local_jobs(analysis: Analysis, argv: list[str]) -> None:
    """Runs every job file of ``<input dir>/job_dict/`` with ``analysis``, as upstream's loop
    does without Code Ocean, the record or the upload."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(levelname)s - %(message)s")
    input_dir, results_root, overrides = _parse_args(argv)
    jobs = sorted(p for p in (input_dir / "job_dict").glob("*") if p.is_file())
    logger.info("Found %d input job models to run analysis on.", len(jobs))
    if not jobs:
        logger.info(
            "No job files in %s. To serve this script as analysis %r: grouped-analysis-py worker --analyses %s",
            input_dir / "job_dict", analysis.name, analysis.source_files()[0][1],
        )
    for job in jobs:
        dispatch = AnalysisDispatchModel.model_validate_json(job.read_text(encoding="utf-8"))
        params = dict((dispatch.analysis_code or {}).get("parameters") or {}) | overrides | (dispatch.distributed_parameters or {})
        subject = str((dispatch.group_metadata or {}).get("subject.subject_id", "local"))
        logger.info("Running analysis for input model %s", job)
        run = run_local(analysis, _local_sessions(dispatch.file_location or dispatch.s3_location), params, results_root / job.stem, subject)
        (run.results_dir / "output_parameters.json").write_text(json.dumps(run.summary, indent=2) + "\n", encoding="utf-8")
        logger.info("Results of %s in %s", job.name, run.results_dir)
