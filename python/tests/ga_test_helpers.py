"""Helpers of the tests: the real NWB fixtures, workflow inputs as the TypeScript side sends
them, and the local services (for the tests that need them)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from grouped_analysis_py import Analysis
from grouped_analysis_py.config import effective_env, repo_root

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
REAL_NWB = REPO / "test" / "fixtures" / "real-nwb"
HDF5_SESSIONS = [REAL_NWB / "697062_2023-11-14_11-12-44.nwb", REAL_NWB / "697062_2023-11-15_10-02-05.nwb"]
ZARR_SESSION = REAL_NWB / "behavior_717531_2024-08-07_09-01-02.nwb"
SERVICES_HINT = "start the local servers with `npm run services -- up`"


def session_ref(path: Path) -> dict[str, Any]:
    """A SessionRef as the TypeScript resolver makes it for a local session."""
    st = path.stat()
    return {"uri": path.as_uri(), "size": st.st_size, "mtime": "2024-01-01T00:00:00.000Z", "fingerprint": f"size={st.st_size};mtime={st.st_mtime * 1000}"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def workflow_input(analysis: Analysis, parameters: dict[str, Any] | None = None, locations: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """An AnalysisWorkflowInput (the fields the Python worker reads) as JSON."""
    params = {"analysis_name": analysis.name, "analysis_tag": "test", **(parameters or {})}
    return {
        "analysisName": analysis.name,
        "analysisVersion": analysis.version,
        "codeVersion": analysis.code_version,
        "analysisCodeVersion": analysis.code_version,
        "analysisTaskQueue": "grouped-analysis-py",
        "dedupKey": sha(json.dumps(params, sort_keys=True) + analysis.name + str(locations)),
        "subjectId": "697062",
        "analysisTag": "test",
        "parameters": params,
        "inputs": {"locations": locations or [str(REAL_NWB)]},
        **extra,
    }


def partial_key(analysis: Analysis, ref: dict[str, Any], salt: str = "") -> str:
    return f"_cache/{analysis.name}/{analysis.version}/{analysis.code_version}/{sha(ref['uri'] + ref['fingerprint'] + salt)}.partial"


def services_env() -> dict[str, str]:
    """The variables `npm run services -- up` wrote (S3 endpoint, bucket, Temporal address)."""
    root = repo_root()
    if root is None or not (root / ".services" / "env").is_file():
        return {}
    env, _ = effective_env({"GA_STATE_DIR": str(root / ".services")})
    return env


def _reachable(url_or_address: str) -> bool:
    if "://" in url_or_address:
        parsed = urlparse(url_or_address)
        host, port = parsed.hostname or "", parsed.port or (443 if parsed.scheme == "https" else 80)
    else:
        host, _, p = url_or_address.rpartition(":")
        port = int(p)
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(variable: str) -> str:
    """The service's address from the services env file; fails loudly when GA_REQUIRE_SERVICES=1
    (CI) and it is unreachable, else skips with the reason."""
    value = services_env().get(variable)
    problem = None
    if not value:
        problem = f"{variable} is not in .services/env"
    elif not _reachable(value):
        problem = f"{variable}={value} is not reachable"
    if problem:
        message = f"{problem}: {SERVICES_HINT}"
        if os.environ.get("GA_REQUIRE_SERVICES") == "1":
            pytest.fail(f"GA_REQUIRE_SERVICES=1 but {message}", pytrace=False)
        pytest.skip(message)
    assert value is not None
    return value
