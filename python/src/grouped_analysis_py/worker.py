"""The Temporal worker: polls the analyses' task queues and serves ``analyzeSession`` /
``computeGroup``; on SIGTERM or SIGINT it stops polling and lets in-flight activities finish
(up to ``GA_PY_SHUTDOWN_GRACE_SECONDS``)."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TextIO

from temporalio.client import Client
from temporalio.worker import Worker

from .activities import PythonActivities
from .analysis import Analysis
from .config import Settings
from .inputs import Stager
from .stores import make_s3_client, store_for


class WorkerStartError(Exception):
    """The worker could not start (Temporal unreachable); the CLI exits 1 with it."""


def startup_line(analyses: list[Analysis], settings: Settings) -> dict[str, Any]:
    """What the worker prints on start (one JSON line; no secrets)."""
    return {
        "event": "worker started",
        "task_queues": sorted({a.effective_task_queue(settings.task_queue) for a in analyses}),
        "namespace": settings.temporal_namespace,
        "address": settings.temporal_address,
        "analyses": [
            {
                "name": a.name,
                "version": a.version,
                "code_version": a.code_version,
                "mode": a.mode,
                "task_queue": a.effective_task_queue(settings.task_queue),
            }
            for a in analyses
        ],
        "results": settings.results_description(),
        "scratch_dir": str(settings.scratch_dir),
        "env_file": str(settings.env_file) if settings.env_file else None,
        "pid": os.getpid(),
    }


async def run_worker(analyses: list[Analysis], settings: Settings, out: TextIO = sys.stdout) -> bool:
    """Runs until SIGTERM / SIGINT, then shuts down gracefully. Returns True if an analysis
    thread is still running (its activity abandoned after the grace period)."""
    try:
        client = await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            api_key=settings.temporal_api_key,
            tls=settings.temporal_tls,
        )
    except Exception as e:  # noqa: BLE001 - any connection failure is reported the same way
        raise WorkerStartError(
            f"cannot connect to Temporal at {settings.temporal_address} (namespace {settings.temporal_namespace}): {e}. "
            "Is it running (npm run services -- up)? Check TEMPORAL_ADDRESS."
        ) from None
    s3 = functools.cache(lambda: make_s3_client(settings.s3))
    executor = ThreadPoolExecutor(settings.max_concurrent_activities, thread_name_prefix="analysis")
    activities = PythonActivities(
        {a.name: a for a in analyses},
        store_for(settings, s3),
        Stager(settings.scratch_dir, s3, settings.input_buckets, settings.data_root),
        settings.scratch_dir,
        executor,
    )
    queues = sorted({a.effective_task_queue(settings.task_queue) for a in analyses})
    workers = [
        Worker(
            client,
            task_queue=queue,
            activities=[activities.analyze_session, activities.compute_group],
            max_concurrent_activities=settings.max_concurrent_activities,
            graceful_shutdown_timeout=timedelta(seconds=settings.shutdown_grace_seconds),
        )
        for queue in queues
    ]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    running = [asyncio.create_task(w.run()) for w in workers]
    print(json.dumps(startup_line(analyses, settings), sort_keys=True), file=out, flush=True)
    stopping = asyncio.create_task(stop.wait())
    # A worker that fails on its own (lost its poller) ends the process too.
    await asyncio.wait([stopping, *running], return_when=asyncio.FIRST_COMPLETED)
    print(json.dumps({"event": "worker stopping", "pid": os.getpid()}), file=out, flush=True)
    await asyncio.gather(*(w.shutdown() for w in workers), return_exceptions=True)
    results = await asyncio.gather(*running, return_exceptions=True)
    stopping.cancel()
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors and not stop.is_set():
        raise errors[0]
    executor.shutdown(wait=False, cancel_futures=True)
    busy = any(t.name.startswith("analysis") and t.is_alive() for t in threading.enumerate())
    print(json.dumps({"event": "worker stopped", "pid": os.getpid(), "abandoned_threads": busy}), file=out, flush=True)
    return busy
