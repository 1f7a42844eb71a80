"""Against the local servers (`npm run services -- up`): the S3 store and S3 inputs on
SeaweedFS, and the worker CLI serving a workflow on the Temporal dev server. Skipped when the
servers are not running, unless GA_REQUIRE_SERVICES=1 (CI), which makes that a failure."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import selectors
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from example_py import analysis as template
from ga_test_helpers import HDF5_SESSIONS, REPO, partial_key, require_service, services_env, session_ref, workflow_input
from temporalio import workflow
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from grouped_analysis_py.activities import PythonActivities
from grouped_analysis_py.config import load_settings
from grouped_analysis_py.inputs import Stager
from grouped_analysis_py.loader import load_spec
from grouped_analysis_py.stores import ObjectNotFound, S3Store, make_s3_client

pytestmark = pytest.mark.services
SG = load_spec(str(Path(__file__).parent / "fixtures" / "sg_analysis.py"))[0]


@pytest.fixture
def s3(tmp_path: Path) -> Any:
    """(client, bucket, a fresh prefix); the prefix is deleted afterwards."""
    require_service("S3_ENDPOINT")
    settings = load_settings({**services_env(), "GA_STATE_DIR": str(tmp_path)})
    client = make_s3_client(settings.s3)
    bucket = settings.results[1]
    prefix = f"pytest-py/{uuid.uuid4().hex[:12]}"
    yield client, bucket, prefix
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=obj["Key"])


def test_s3_store_put_head_copy_get(s3: Any, tmp_path: Path) -> None:
    client, bucket, prefix = s3
    store = S3Store(client, bucket, prefix)
    small = store.put_bytes("a/x.json", b'{"a": 1}', "application/json")
    assert small.sha256 == hashlib.sha256(b'{"a": 1}').hexdigest()
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 << 20))  # above the multipart threshold: metadata on a multipart upload
    put = store.put_file("a/big.bin", big, "application/octet-stream")
    head = store.head("a/big.bin")
    assert head is not None and (head.size, head.sha256) == (9 << 20, hashlib.sha256(big.read_bytes()).hexdigest()) == (put.size, put.sha256)
    store.copy("a/x.json", "run/x.json")
    copied = client.head_object(Bucket=bucket, Key=f"{prefix}/run/x.json")
    assert copied["Metadata"]["sha256"] == small.sha256 and copied["ContentType"] == "application/json"
    assert store.get("run/x.json") == b'{"a": 1}' and store.uri("run/x.json") == f"s3://{bucket}/{prefix}/run/x.json"
    assert store.head("nope") is None and not store.exists("nope")
    with pytest.raises(ObjectNotFound):
        store.copy("nope", "x")
    with pytest.raises(ObjectNotFound):
        store.get("nope")


def test_s3_inputs_hdf5_object_and_zarr_prefix(s3: Any, tmp_path: Path) -> None:
    client, bucket, prefix = s3
    client.upload_file(str(HDF5_SESSIONS[0]), bucket, f"{prefix}/in/s1.nwb")
    zarr_objects = {".zgroup": b'{"zarr_format": 2}', "intervals/.zgroup": b"{}", "intervals/trials/start_time/0": b"chunk"}
    for rel, body in zarr_objects.items():
        client.put_object(Bucket=bucket, Key=f"{prefix}/in/z.nwb/{rel}", Body=body)
    stager = Stager(tmp_path / "scratch", lambda: client, input_buckets=(bucket,))
    h5 = stager.stage({"uri": f"s3://{bucket}/{prefix}/in/s1.nwb", "fingerprint": "e1"})
    assert h5.format == "hdf5" and h5.path.name == "s1.nwb" and h5.path.read_bytes() == HDF5_SESSIONS[0].read_bytes()
    for uri in (f"s3://{bucket}/{prefix}/in/z.nwb/", f"s3://{bucket}/{prefix}/in/z.nwb"):
        z = stager.stage({"uri": uri, "fingerprint": uri})
        assert z.format == "zarr" and z.path.name == "z.nwb"
        assert {p.relative_to(z.path).as_posix(): p.read_bytes() for p in z.path.rglob("*") if p.is_file()} == zarr_objects


def test_session_group_run_on_s3(s3: Any, tmp_path: Path) -> None:
    """Both stores on S3: per-session files copied into the run keep their sha256 metadata."""
    client, bucket, prefix = s3
    for p in HDF5_SESSIONS:
        client.upload_file(str(p), bucket, f"{prefix}/in/{p.name}")
    store = S3Store(client, bucket, f"{prefix}/results")
    acts = PythonActivities({SG.name: SG}, store, Stager(tmp_path / "scratch", lambda: client, (bucket,)), tmp_path / "scratch")
    refs = [{"uri": f"s3://{bucket}/{prefix}/in/{p.name}", "size": p.stat().st_size, "etag": "e", "fingerprint": "e"} for p in HDF5_SESSIONS]
    keys = [partial_key(SG, r) for r in refs]
    w = workflow_input(SG, locations=[f"s3://{bucket}/{prefix}/in"])
    env = ActivityEnvironment()
    for r, k in zip(refs, keys):
        assert asyncio.run(env.run(acts.analyze_session, {"workflow": w, "session": r, "partialKey": k}))["fromCache"] is False
    group = asyncio.run(env.run(acts.compute_group, {"workflow": w, "sessions": refs, "partialKeys": keys}))
    assert [o["name"] for o in group["outputs"]][-1] == "summary.json" and len(group["outputs"]) == 3
    for o in group["outputs"]:
        head = store.head(f"{w['dedupKey']}/{o['name']}")
        assert head is not None and (head.size, head.sha256) == (o["size"], o["sha256"])
        assert o["uri"] == f"s3://{bucket}/{prefix}/results/{w['dedupKey']}/{o['name']}"


@workflow.defn(name="PythonPluginProbe")
class Probe:
    """Calls the Python worker's activities by their TypeScript names, as analysisWorkflow does."""

    @workflow.run
    async def run(self, args: dict[str, Any]) -> dict[str, Any]:
        opts: dict[str, Any] = {
            "task_queue": args["queue"],
            "start_to_close_timeout": timedelta(minutes=2),
            "heartbeat_timeout": timedelta(minutes=1),
            "retry_policy": RetryPolicy(maximum_attempts=1),
        }
        sessions = [
            await workflow.execute_activity("analyzeSession", {"workflow": args["workflow"], "session": s, "partialKey": k}, **opts)
            for s, k in zip(args["sessions"], args["keys"])
        ]
        group = await workflow.execute_activity(
            "computeGroup", {"workflow": args["workflow"], "sessions": args["sessions"], "partialKeys": args["keys"]}, **opts
        )
        return {"sessions": sessions, "group": group}


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout):
        raise AssertionError(f"no output from the worker in {timeout} s")
    return proc.stdout.readline()


def _start_worker(tmp_path: Path, queue: str, spec: str, extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "GA_STATE_DIR": str(REPO / ".services"),  # the env file: Temporal's address and namespace
        "ANALYSIS_BUCKET": "",
        "GA_LOCAL_RESULTS_DIR": str(tmp_path / "results"),
        "GA_PY_SCRATCH_DIR": str(tmp_path / "scratch"),
        "GA_PY_TASK_QUEUE": queue,
        **(extra or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "grouped_analysis_py", "worker", "--analyses", spec],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_worker_cli_serves_a_workflow_and_stops_on_sigterm(tmp_path: Path) -> None:
    address = require_service("TEMPORAL_ADDRESS")
    queue = f"pytest-py-{uuid.uuid4().hex[:8]}"
    proc = _start_worker(tmp_path, queue, "example_py")
    try:
        started = json.loads(_read_line(proc, 60))
        assert started["event"] == "worker started" and started["task_queues"] == [queue] and started["address"] == address
        assert started["analyses"] == [{"name": "example-py", "version": "0.1.0", "code_version": template.code_version, "mode": "job", "task_queue": queue}]
        assert started["results"] == (tmp_path / "results").as_uri()
        refs = [session_ref(p) for p in HDF5_SESSIONS]
        keys = [partial_key(template, r) for r in refs]
        result, failure = asyncio.run(_probe(address, queue, refs, keys))
        assert [s["fromCache"] for s in result["sessions"]] == [False, False]
        assert result["group"]["summary"] == {"n_sessions": 2, "total_trials": 607}
        assert [o["name"] for o in result["group"]["outputs"]] == ["figures/trials_697062.png", "sessions.csv", "trials_per_session.csv"]
        cause = failure.cause.cause  # WorkflowFailureError -> ActivityError -> ApplicationError
        assert isinstance(cause, ApplicationError) and (cause.type, cause.non_retryable) == ("InvalidInput", True)
        assert "parameters.min_trials" in cause.message and set(cause.details[0]) == {"file", "exception_type", "traceback"}
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert [json.loads(line)["event"] for line in out.splitlines()] == ["worker stopping", "worker stopped"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def _client(address: str) -> Client:
    return await Client.connect(address, namespace=services_env().get("TEMPORAL_NAMESPACE", "default"))


async def _probe(address: str, queue: str, refs: list[dict[str, Any]], keys: list[str]) -> tuple[dict[str, Any], WorkflowFailureError]:
    client = await _client(address)
    wf_queue = f"{queue}-workflows"
    async with Worker(client, task_queue=wf_queue, workflows=[Probe], workflow_runner=UnsandboxedWorkflowRunner()):
        args = {"queue": queue, "workflow": workflow_input(template), "sessions": refs, "keys": keys}
        result = await client.execute_workflow(Probe.run, args, id=f"{queue}-ok", task_queue=wf_queue, execution_timeout=timedelta(minutes=3))
        bad = {**args, "workflow": workflow_input(template, {"min_trials": -1}), "keys": [k.replace(".partial", "x.partial") for k in keys]}
        with pytest.raises(WorkflowFailureError) as e:
            await client.execute_workflow(Probe.run, bad, id=f"{queue}-bad", task_queue=wf_queue, execution_timeout=timedelta(minutes=3))
    return result, e.value


@contextlib.asynccontextmanager
async def _probe_started(address: str, queue: str, analysis: Any, tmp_path: Path, name: str) -> AsyncIterator[Any]:
    """A probe workflow of `analysis` (a SLOW variant) started, once its run() has begun (it
    writes `started` beside its module); the workflow worker runs until the block ends."""
    client = await _client(address)
    wf_queue = f"{queue}-workflows"
    async with Worker(client, task_queue=wf_queue, workflows=[Probe], workflow_runner=UnsandboxedWorkflowRunner()):
        args = {"queue": queue, "workflow": workflow_input(analysis), "sessions": [], "keys": []}
        handle = await client.start_workflow(Probe.run, args, id=f"{queue}-{name}", task_queue=wf_queue, execution_timeout=timedelta(minutes=2))
        for _ in range(300):
            if (tmp_path / "started").exists():
                break
            await asyncio.sleep(0.1)
        yield handle


SLOW = """
import time
from pathlib import Path
from pydantic import BaseModel
from grouped_analysis_py import Analysis

class P(BaseModel):
    pass

def run(dispatch_inputs, params, ctx):
    Path(__file__).with_name("started").write_text("")
    for _ in range(30):
        time.sleep(0.1)
        ctx.heartbeat("slow")
    return {"slept": 3}

analysis = Analysis(name="slow-py", version="0.1.0", parameters=P, run=run)
"""


def test_sigterm_lets_the_activity_in_flight_finish(tmp_path: Path) -> None:
    address = require_service("TEMPORAL_ADDRESS")
    queue = f"pytest-py-{uuid.uuid4().hex[:8]}"
    module = tmp_path / "slow_analysis.py"
    module.write_text(SLOW)
    (slow,) = load_spec(str(module))
    proc = _start_worker(tmp_path, queue, str(module))
    try:
        assert json.loads(_read_line(proc, 60))["analyses"][0]["code_version"] == slow.code_version

        async def scenario() -> dict[str, Any]:
            async with _probe_started(address, queue, slow, tmp_path, "slow") as handle:
                proc.send_signal(signal.SIGTERM)  # while run() is in its 3 s
                return await handle.result()

        result = asyncio.run(scenario())
        assert result["group"]["summary"] == {"slept": 3}
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_an_analysis_hanging_past_the_grace_period_does_not_block_exit(tmp_path: Path) -> None:
    address = require_service("TEMPORAL_ADDRESS")
    queue = f"pytest-py-{uuid.uuid4().hex[:8]}"
    module = tmp_path / "hanging_analysis.py"
    module.write_text(SLOW.replace('"slow-py"', '"hanging-py"').replace("time.sleep(0.1)", "time.sleep(30)"))
    (hanging,) = load_spec(str(module))
    proc = _start_worker(tmp_path, queue, str(module), {"GA_PY_SHUTDOWN_GRACE_SECONDS": "0"})
    try:
        _read_line(proc, 60)

        async def scenario() -> None:
            async with _probe_started(address, queue, hanging, tmp_path, "hang") as handle:
                proc.send_signal(signal.SIGTERM)
                await asyncio.to_thread(proc.wait, 20)
                with contextlib.suppress(RPCError):  # it may have failed already (its activity cancelled)
                    await handle.terminate("test over")

        asyncio.run(scenario())
        out, err = proc.communicate(timeout=5)
        assert proc.returncode == 0 and "exiting without them" in err
        assert json.loads(out.splitlines()[-1]) == {"event": "worker stopped", "pid": proc.pid, "abandoned_threads": True}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
