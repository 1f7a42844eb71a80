"""analyzeSession and computeGroup end to end in an activity context (ActivityEnvironment),
with a local results store and the real NWB fixtures."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from example_py import analysis as template
from ga_test_helpers import HDF5_SESSIONS, ZARR_SESSION, partial_key, session_ref, workflow_input
from pydantic import BaseModel
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from grouped_analysis_py import Analysis, Cancelled
from grouped_analysis_py.activities import PythonActivities
from grouped_analysis_py.analysis import PARTIAL_FORMAT
from grouped_analysis_py.inputs import Stager
from grouped_analysis_py.loader import load_spec
from grouped_analysis_py.stores import LocalStore

SG = load_spec(str(Path(__file__).parent / "fixtures" / "sg_analysis.py"))[0]
SESSIONS = [*HDF5_SESSIONS, ZARR_SESSION]


def make(tmp_path: Path, *analyses: Analysis) -> tuple[PythonActivities, LocalStore]:
    store = LocalStore(tmp_path / "results")
    stager = Stager(tmp_path / "scratch", lambda: None)
    return PythonActivities({a.name: a for a in analyses}, store, stager, tmp_path / "scratch"), store


def call(fn: Any, args: dict[str, Any], beats: list[Any] | None = None) -> Any:
    env = ActivityEnvironment()
    if beats is not None:
        env.on_heartbeat = lambda *d: beats.append(d)
    result = asyncio.run(env.run(fn, args))
    DataConverter.default.payload_converter.to_payloads([result])  # what Temporal sends back
    return result


def analyze_all(acts: PythonActivities, analysis: Analysis, w: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str], list[Any]]:
    refs = [session_ref(p) for p in SESSIONS]
    keys = [partial_key(analysis, r) for r in refs]
    results = [call(acts.analyze_session, {"workflow": w, "session": r, "partialKey": k}) for r, k in zip(refs, keys)]
    return refs, keys, results


def stored(store: LocalStore, key: str) -> bytes:
    return store.root.joinpath(*key.split("/")).read_bytes()


def test_job_mode_template_end_to_end(tmp_path: Path) -> None:
    acts, store = make(tmp_path, template)
    w = workflow_input(template, {"min_trials": 0, "title": "Trials"})
    refs, keys, results = analyze_all(acts, template, w)
    assert results == [{"partialKey": k, "fromCache": False, "warnings": []} for k in keys]
    assert json.loads(stored(store, keys[0])) == {"format": PARTIAL_FORMAT, "partial": None, "files": [], "warnings": []}
    again = call(acts.analyze_session, {"workflow": w, "session": refs[0], "partialKey": keys[0]})
    assert again == {"partialKey": keys[0], "fromCache": True, "warnings": []}

    beats: list[Any] = []
    group = call(acts.compute_group, {"workflow": w, "sessions": refs, "partialKeys": keys}, beats)
    assert [o["name"] for o in group["outputs"]] == ["figures/trials_697062.png", "sessions.csv", "trials_per_session.csv"]
    for o in group["outputs"]:
        data = stored(store, f"{w['dedupKey']}/{o['name']}")
        assert o["sha256"] == hashlib.sha256(data).hexdigest() and o["size"] == len(data)
        assert o["uri"] == store.uri(f"{w['dedupKey']}/{o['name']}")
    assert group["summary"] == {"n_sessions": 3, "total_trials": 1332}
    assert group["warnings"] == [] and group["sessionWarnings"] == []
    csv = stored(store, f"{w['dedupKey']}/trials_per_session.csv").decode()
    assert csv.splitlines()[:2] == ["session,n_trials,n_finished,right_fraction", "697062_2023-11-14_11-12-44,342,246,0.4512"]
    assert beats and all(len(d) == 1 and isinstance(d[0], dict) for d in beats)  # ours or the analysis's ctx.heartbeat
    assert list((tmp_path / "scratch" / "work").iterdir()) == []  # work folders removed


def test_session_group_mode_with_missing_and_damaged_partials(tmp_path: Path) -> None:
    acts, store = make(tmp_path, SG)
    w = workflow_input(SG, {"scale": 2, "label": "L"})
    refs, keys, results = analyze_all(acts, SG, w)
    assert [r["warnings"] for r in results] == [["697062_2023-11-14_11-12-44: 342 trials"], [], ["behavior_717531_2024-08-07_09-01-02: 725 trials"]]
    first = json.loads(stored(store, keys[0]))
    assert first["partial"] == {"session": "697062_2023-11-14_11-12-44", "count": 684.0}
    name = "sessions/697062_2023-11-14_11-12-44/count.txt"
    assert first["files"] == [{"name": name, "size": 4, "sha256": hashlib.sha256(b"342\n").hexdigest()}]
    assert stored(store, keys[0].removesuffix(".partial") + "/" + name) == b"342\n"

    # Partial 2 deleted, partial 3 damaged, a file of session 1 gone: all recomputed, with warnings.
    store.root.joinpath(*keys[1].split("/")).unlink()
    store.root.joinpath(*keys[2].split("/")).write_text("{not json")
    store.root.joinpath(*(keys[0].removesuffix(".partial") + "/" + name).split("/")).unlink()
    group = call(acts.compute_group, {"workflow": w, "sessions": refs, "partialKeys": keys})
    assert [o["name"] for o in group["outputs"]] == [
        "sessions/697062_2023-11-14_11-12-44/count.txt",
        "sessions/697062_2023-11-15_10-02-05/count.txt",
        "sessions/behavior_717531_2024-08-07_09-01-02/count.txt",
        "summary.json",
    ]
    for o in group["outputs"]:
        assert o["sha256"] == hashlib.sha256(stored(store, f"{w['dedupKey']}/{o['name']}")).hexdigest()
    assert group["summary"] == {"total": 2 * (342 + 265 + 725), "sessions": [p.name.removesuffix(".nwb") for p in SESSIONS], "label": "L"}
    missing, damaged, gone, done = group["warnings"]
    assert missing.startswith("partial file://") and missing.endswith(f".partial is missing; recomputed from {refs[1]['uri']}")
    assert damaged.endswith(f".partial is damaged (Expecting property name enclosed in double quotes: line 1 column 2 (char 1)); recomputed from {refs[2]['uri']}")
    assert gone.startswith("object not found: file://") and gone.endswith(f"{name}; recomputed from {refs[0]['uri']}")
    assert done == "group done"
    assert group["sessionWarnings"] == ["697062_2023-11-14_11-12-44: 342 trials", "behavior_717531_2024-08-07_09-01-02: 725 trials"]


def error_of(fn: Any, args: dict[str, Any]) -> ApplicationError:
    with pytest.raises(ApplicationError) as e:
        call(fn, args)
    return e.value


def test_errors_as_the_contract_says(tmp_path: Path) -> None:
    acts, _ = make(tmp_path, template, SG)
    ref = session_ref(HDF5_SESSIONS[0])
    w = workflow_input(template)

    def analyze(workflow: dict[str, Any], key: str | None = None) -> ApplicationError:
        return error_of(acts.analyze_session, {"workflow": workflow, "session": ref, "partialKey": key or partial_key(template, ref)})

    e = analyze({**w, "analysisCodeVersion": "0.0.1+src.000000000000"})
    assert (e.type, e.non_retryable) == ("CodeVersionMismatch", False) and "keyed for 0.0.1+src.000000000000" in e.message
    e = analyze({**w, "analysisName": "other"})
    assert (e.type, e.non_retryable) == ("AnalysisNotServed", False)
    e = analyze({k: v for k, v in w.items() if k != "analysisCodeVersion"})
    assert (e.type, e.non_retryable) == ("InvalidInput", True)
    e = analyze({**w, "parameters": {"min_trials": -2, "analysis_name": "example-py", "analysis_tag": "t"}})
    assert (e.type, e.non_retryable) == ("InvalidInput", True)
    assert e.message == "invalid parameters for example-py 0.1.0: parameters.min_trials: Input should be greater than or equal to 0"
    assert analyze(w, "results/../../x.partial").type == "InvalidInput"

    sg = workflow_input(SG, {"fail_on": "11-12-44"})
    e = error_of(acts.analyze_session, {"workflow": sg, "session": ref, "partialKey": partial_key(SG, ref)})
    assert (e.type, e.non_retryable, e.message) == ("LookupError", True, f"refusing {HDF5_SESSIONS[0].name}")
    details = e.details[0]
    assert details["file"] == ref["uri"] and details["exception_type"] == "builtins.LookupError"
    assert "in per_session" in details["traceback"]

    bad_key = error_of(acts.compute_group, {"workflow": {**w, "dedupKey": "../x"}, "sessions": [], "partialKeys": []})
    assert (bad_key.type, bad_key.non_retryable) == ("InvalidInput", True)


def test_outputs_that_are_not_json_or_collide(tmp_path: Path) -> None:
    class P(BaseModel):
        what: str = "nan"

    def run(dispatch_inputs: Any, params: P, ctx: Any) -> dict[str, Any]:
        if params.what == "collide":
            (ctx.results_dir / "sessions").mkdir()
            (ctx.results_dir / "sessions" / "a.txt").write_text("x")
        return {"value": float("nan") if params.what == "nan" else 1}

    a = Analysis(name="bad-outputs", version="0.1.0", parameters=P, run=run)
    acts, _ = make(tmp_path, a)
    e = error_of(acts.compute_group, {"workflow": workflow_input(a), "sessions": [], "partialKeys": []})
    assert (e.type, e.non_retryable) == ("InvalidOutput", True) and "not JSON" in e.message


def test_heartbeat_raises_cancelled_after_cancellation(tmp_path: Path) -> None:
    seen = threading.Event()

    class P(BaseModel):
        pass

    def run(dispatch_inputs: Any, params: P, ctx: Any) -> None:
        try:
            for _ in range(500):
                ctx.heartbeat("working")
                threading.Event().wait(0.01)
        except Cancelled:
            seen.set()
            raise

    a = Analysis(name="slow", version="0.1.0", parameters=P, run=run)
    acts, _ = make(tmp_path, a)
    env = ActivityEnvironment()

    async def main() -> None:
        task = asyncio.ensure_future(env.run(acts.compute_group, {"workflow": workflow_input(a), "sessions": [], "partialKeys": []}))
        await asyncio.sleep(0.3)
        env.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert seen.wait(5)
