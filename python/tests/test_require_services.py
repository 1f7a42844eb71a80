"""Service-dependent tests skip when the servers are down, and fail loudly when CI requires them."""

from __future__ import annotations

import ga_test_helpers
import pytest


def test_unreachable_service_skips_or_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ga_test_helpers, "services_env", lambda: {"S3_ENDPOINT": "http://127.0.0.1:9"})
    monkeypatch.delenv("GA_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="npm run services -- up"):
        ga_test_helpers.require_service("S3_ENDPOINT")
    monkeypatch.setenv("GA_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match=r"GA_REQUIRE_SERVICES=1 but S3_ENDPOINT=http://127.0.0.1:9 is not reachable: .*npm run services -- up"):
        ga_test_helpers.require_service("S3_ENDPOINT")
    monkeypatch.setattr(ga_test_helpers, "services_env", lambda: {})
    with pytest.raises(pytest.fail.Exception, match="TEMPORAL_ADDRESS is not in .services/env"):
        ga_test_helpers.require_service("TEMPORAL_ADDRESS")
