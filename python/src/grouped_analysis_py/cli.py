"""``grouped-analysis-py``: serve Python analyses (worker), export their manifests for the
TypeScript registry, describe them, or run one on local files.

Exit codes: 0 ok; 1 a check failed or the worker could not start; 2 bad usage or
configuration (the message names the variable or the spec)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .analysis import Analysis, AnalysisDefinitionError
from .config import ConfigError, effective_env, load_settings, repo_root
from .errors import InvalidInput
from .loader import LoadError, load_analyses

PROG = "grouped-analysis-py"


class UsageError(Exception):
    """Bad arguments or configuration: exit 2."""


def _manifest_entries(env: Mapping[str, str]) -> list[str]:
    """The ``entry`` of every manifest the dispatcher knows (python/manifests, then the folders of
    GA_PYTHON_MANIFESTS): what a worker given no analyses serves."""
    root = repo_root()
    folders = ([root / "python" / "manifests"] if root else []) + [Path(p) for p in (env.get("GA_PYTHON_MANIFESTS") or "").split(":") if p]
    entries: list[str] = []
    for folder in folders:
        for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                entry = json.loads(file.read_text())["entry"]
            except (ValueError, KeyError, TypeError) as e:
                raise UsageError(f"{file}: not a manifest with an entry ({e}); export it again") from None
            # A path entry is relative to the repository (where the dispatcher reads it).
            entries.append(str(root / entry.split(":")[0]) + entry[len(entry.split(":")[0]):] if root and "/" in entry else entry)
    return entries


def _specs(args: argparse.Namespace) -> list[str]:
    given = args.analyses or []
    env, _ = effective_env()
    if not given:
        given = [env.get("GA_PY_ANALYSES") or ""]
    specs = [s.strip() for value in given for s in value.split(",") if s.strip()] or _manifest_entries(env)
    if not specs:
        raise UsageError("no analyses given: pass --analyses MODULE[:OBJ], set GA_PY_ANALYSES (comma-separated), or export a manifest into python/manifests")
    return specs


def _load(args: argparse.Namespace) -> list[Analysis]:
    specs = _specs(args)
    try:
        analyses = load_analyses(specs)
        for a in analyses:
            a.code_version  # noqa: B018 - a bad GA_PY_CODE_VERSION is reported here, before any work
        return analyses
    except (LoadError, AnalysisDefinitionError) as e:
        raise UsageError(str(e)) from None
    except Exception:  # the analysis module itself failed to import
        traceback.print_exc()
        raise UsageError(f"cannot load {', '.join(specs)} (the traceback above shows why)") from None


def manifest_text(analysis: Analysis) -> str:
    """A manifest file's exact bytes: sorted keys, 2-space indent, trailing newline."""
    try:
        manifest = analysis.manifest()
    except AnalysisDefinitionError as e:
        raise UsageError(str(e)) from None
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _differences(old: Any, new: dict[str, Any]) -> str:
    if not isinstance(old, dict):
        return "not a JSON object"
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    shown = []
    for k in keys:
        a, b = old.get(k), new.get(k)
        if isinstance(a, (str, int, type(None))) and isinstance(b, (str, int, type(None))):
            shown.append(f"{k}: {a!r} -> {b!r}")
        else:
            shown.append(f"{k} changed")
    return "; ".join(shown) or "formatting differs"


def cmd_export_manifest(args: argparse.Namespace) -> int:
    analyses = _load(args)
    out = Path(args.out)
    if args.check:
        problems = []
        for a in analyses:
            path = out / f"{a.name}.json"
            fresh = manifest_text(a)
            if not path.is_file():
                problems.append(f"{path}: missing")
            elif path.read_text(encoding="utf-8") != fresh:
                try:
                    old = json.loads(path.read_text(encoding="utf-8"))
                except ValueError as e:
                    old = f"invalid JSON ({e})"
                problems.append(f"{path}: {_differences(old, json.loads(fresh))}")
        if problems:
            print(f"{PROG}: manifests differ from a fresh export:", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
            specs = " ".join(f"--analyses {s}" for s in _specs(args))
            print(f"Regenerate them: {PROG} export-manifest {specs} --out {out}", file=sys.stderr)
            return 1
        print(f"{len(analyses)} manifest(s) in {out} are up to date")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for a in analyses:
        path = out / f"{a.name}.json"
        text = manifest_text(a)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        print(f"{path} ({a.code_version})")
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    for a in _load(args):
        print(f"{a.name} {a.version} ({a.mode} mode, code {a.code_version}, task queue {a.effective_task_queue()})")
        print(f"  {a.title}")
        if a.description:
            print("  " + a.description.replace("\n", "\n  "))
        print("  parameters:")
        for field_name, field in a.parameters.model_fields.items():
            default = "required" if field.is_required() else f"default {field.get_default(call_default_factory=True)!r}"
            print(f"    {field_name} ({default}): {field.description or ''}")
        if a.outputs is not None:
            print(f"  outputs: {', '.join(a.outputs.model_fields)}")
        for f in a.figures:
            print(f"  figure {f['name']}: {f['description']}")
        print()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .testing import run_local

    analyses = _load(args)
    if args.name:
        analyses = [a for a in analyses if a.name == args.name]
        if not analyses:
            raise UsageError(f"--name {args.name!r} is not among the loaded analyses")
    if len(analyses) != 1:
        raise UsageError(f"{len(analyses)} analyses loaded ({', '.join(a.name for a in analyses)}); choose one with --name")
    raw = args.params
    if raw.startswith("@"):
        raw = Path(raw[1:]).read_text(encoding="utf-8")
    try:
        params = json.loads(raw)
    except ValueError as e:
        raise UsageError(f"--params is not JSON: {e}") from None
    try:
        run = run_local(analyses[0], args.session, params, args.out, args.subject)
    except InvalidInput as e:  # bad parameters or sessions; the analysis's own errors keep their traceback
        raise UsageError(e.message) from None
    print(json.dumps({"summary": run.summary, "files": run.files, "warnings": run.warnings + run.session_warnings, "results_dir": str(run.results_dir)}, indent=2))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from .worker import WorkerStartError, run_worker

    analyses = _load(args)
    try:
        settings = load_settings()
    except ConfigError as e:
        raise UsageError(str(e)) from None
    try:
        abandoned = asyncio.run(run_worker(analyses, settings))
    except WorkerStartError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    if abandoned:
        # An analysis still running past the grace period would block the interpreter's exit
        # (it joins its threads); Temporal retries that activity elsewhere.
        print(f"{PROG}: analyses still running after GA_PY_SHUTDOWN_GRACE_SECONDS; exiting without them", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    spec_help = (
        "MODULE:OBJ, MODULE, a path to a .py file or package folder (optionally :OBJ); "
        "repeat or comma-separate; default $GA_PY_ANALYSES"
    )

    def with_analyses(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--analyses", action="extend", nargs="+", metavar="SPEC", help=spec_help)
        return p

    w = with_analyses(sub.add_parser("worker", help="serve analyzeSession / computeGroup on the analyses' task queue"))
    w.set_defaults(fn=cmd_worker)
    e = with_analyses(sub.add_parser("export-manifest", help="write <name>.json per analysis (or --check them)"))
    e.add_argument("--out", required=True, metavar="DIR", help="folder of the manifests, e.g. python/manifests")
    e.add_argument("--check", action="store_true", help="compare DIR with a fresh export; exit 1 listing differences")
    e.set_defaults(fn=cmd_export_manifest)
    d = with_analyses(sub.add_parser("describe", help="print each analysis's parameters, outputs and figures"))
    d.set_defaults(fn=cmd_describe)
    r = with_analyses(sub.add_parser("run", help="run one analysis on local sessions (no Temporal, no store)"))
    r.add_argument("--name", help="which analysis, when the specs load several")
    r.add_argument("--session", action="append", required=True, metavar="PATH", help="an HDF5 file or Zarr folder (repeat, in order)")
    r.add_argument("--params", default="{}", metavar="JSON|@FILE", help="parameters as JSON, or @file.json")
    r.add_argument("--subject", default="local", help="subject id given to the analysis")
    r.add_argument("--out", required=True, metavar="DIR", help="results folder")
    r.set_defaults(fn=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except UsageError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
