"""Where a Python activity's time goes: the parts of `analyzeSession` / `computeGroup` of the
Python worker, timed one by one in this process with the worker's own code and configuration
(the same environment as the worker bench/python.ts starts: S3 results store, scratch folder).

    python bench/python/parts.py INPUT.json --report OUT.json

INPUT (written by bench/python.ts): the analysis spec, repetitions, a planned (never started)
workflow input of that analysis, fresh S3 session refs (each staged once, so every download is a
real one) and a prefix for partial keys. Each part runs `reps` times; the report holds every
sample (ms). `direct_*` are the whole activities called in-process (temporalio.testing's
ActivityEnvironment: no Temporal server, no task delivery, no payload conversion), so the
benchmark can subtract them from the activity's start-to-close in the workflow history.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from temporalio.converter import DataConverter
from temporalio.testing import ActivityEnvironment

from grouped_analysis_py.activities import PythonActivities
from grouped_analysis_py.config import load_settings
from grouped_analysis_py.inputs import Stager
from grouped_analysis_py.loader import load_analyses
from grouped_analysis_py.stores import make_s3_client, store_for, upload_folder


def ms_of(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("--report", required=True)
    a = p.parse_args()
    spec = json.loads(Path(a.input).read_text())
    reps: int = spec["reps"]
    fresh: list[dict[str, Any]] = spec["sessions"]  # 2 * reps refs never staged before
    if len(fresh) < 2 * reps:
        raise SystemExit(f"need {2 * reps} fresh sessions, got {len(fresh)}")
    w: dict[str, Any] = spec["workflow"]
    prefix: str = spec["partial_prefix"]

    settings = load_settings()
    s3 = make_s3_client(settings.s3)
    store = store_for(settings, lambda: s3)
    stager = Stager(settings.scratch_dir, lambda: s3, settings.input_buckets, settings.data_root)
    analyses = {x.name: x for x in load_analyses([spec["analysis_spec"]])}
    analysis = analyses[w["analysisName"]]
    executor = ThreadPoolExecutor(settings.max_concurrent_activities, thread_name_prefix="analysis")
    acts = PythonActivities(analyses, store, stager, settings.scratch_dir, executor)
    out: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        out.setdefault(name, []).append(value)

    loop = asyncio.get_running_loop()
    # One round trip first: the S3 client's connection pool, the executor's threads.
    store.exists(prefix + "warm.partial")
    await loop.run_in_executor(executor, lambda: None)

    for _ in range(200):  # the hop to the analysis thread and back (the activity's event loop waits meanwhile)
        t = time.perf_counter()
        await loop.run_in_executor(executor, lambda: None)
        add("executor_hop", (time.perf_counter() - t) * 1000)

    converter = DataConverter.default.payload_converter
    keys: list[str] = []
    for i in range(reps):
        key = f"{prefix}{secrets.token_hex(32)}.partial"
        keys.append(key)
        add("parse_parameters", ms_of(lambda: analysis.parse_parameters(w["parameters"])))
        add("s3_head_missing", ms_of(lambda: store.exists(key)))
        body = json.dumps({"format": "grouped-analysis-py/partial@1", "partial": None, "files": [], "warnings": []}).encode()
        add("s3_put_partial", ms_of(lambda: store.put_bytes(key, body, "application/json")))
        add("s3_get_partial", ms_of(lambda: store.get(key)))
        ref = fresh[i]
        add("stage_download", ms_of(lambda: stager.stage(ref)))
        add("stage_cached", ms_of(lambda: stager.stage(ref)))
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "noop.json").write_text(json.dumps({"label": "noop", "sessions": 1}))
            add("upload_one_tiny_file", ms_of(lambda: upload_folder(store, Path(d), f"{w['dedupKey']}/parts/")))

    env = ActivityEnvironment()
    for i in range(reps):
        ref = fresh[reps + i]
        key = f"{prefix}{secrets.token_hex(32)}.partial"
        args = {"workflow": w, "session": ref, "partialKey": key}
        t = time.perf_counter()
        result = await env.run(acts.analyze_session, args)
        add("direct_analyzeSession", (time.perf_counter() - t) * 1000)
        if result["fromCache"]:
            raise SystemExit("a fresh partial key was found cached")
        group_args = {"workflow": w, "sessions": [ref], "partialKeys": [key]}
        t = time.perf_counter()
        group = await env.run(acts.compute_group, group_args)
        add("direct_computeGroup", (time.perf_counter() - t) * 1000)
        for name, value in (("analyzeSession", args), ("analyzeSession_result", result), ("computeGroup", group_args), ("computeGroup_result", group)):
            t = time.perf_counter()
            converter.from_payloads(converter.to_payloads([value]), [dict])
            add(f"convert_{name}", (time.perf_counter() - t) * 1000)

    executor.shutdown(wait=True)
    Path(a.report).write_text(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
