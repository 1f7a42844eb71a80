"""Every test runs without the local services env file and without the worker's variables,
unless it sets them."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No services env file and none of the worker's variables, unless a test sets them."""
    monkeypatch.setenv("GA_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    for name in list(os.environ):
        if name.startswith(("GA_PY_", "TEMPORAL_", "AWS_", "S3_")) or name in (
            "ANALYSIS_BUCKET", "GA_LOCAL_RESULTS_DIR", "GA_DATA_ROOT", "GA_INPUT_BUCKETS", "RESULTS_DIR",
        ):
            monkeypatch.delenv(name)

