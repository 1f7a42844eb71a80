"""Configuration from the environment, as the TypeScript worker reads it (src/config.ts), plus
the Python worker's own ``GA_PY_*`` variables. Every problem names its variable; no secret is
ever echoed."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from temporalio.service import TLSConfig

from .analysis import TASK_QUEUE_PATTERN

S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ADDRESS = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_URL = re.compile(r"^https?://[^\s/]+(?:/\S*)?$")
_TOKEN = re.compile(r"^\S+$")
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class ConfigError(Exception):
    """Every configuration problem at once; each line names its variable."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        self.variable = problems[0][0]
        super().__init__("invalid configuration:\n" + "\n".join(f"  {var}: {msg}" for var, msg in problems))


def repo_root() -> Path | None:
    """The repository this package runs from (an editable install in <repo>/python), if any."""
    candidate = Path(__file__).resolve().parents[3]
    return candidate if (candidate / "scripts" / "services.sh").is_file() else None


def services_env_file(environ: Mapping[str, str]) -> Path | None:
    """``$GA_STATE_DIR/env`` (default ``<repo>/.services/env``), written by scripts/services.sh."""
    state = environ.get("GA_STATE_DIR") or None
    if state is None:
        root = repo_root()
        if root is None:
            return None
        state = str(root / ".services")
    return Path(state) / "env"


def effective_env(environ: Mapping[str, str] | None = None) -> tuple[dict[str, str], Path | None]:
    """The environment with the services env file's ``KEY=VALUE`` lines under it: a variable
    present in the environment wins, even empty (``ANALYSIS_BUCKET=`` switches S3 off), as in the
    TypeScript CLI. Returns the merged variables and the file used (None if absent)."""
    environ = dict(os.environ if environ is None else environ)
    file = services_env_file(environ)
    if file is None or not file.is_file():
        return environ, None
    merged: dict[str, str] = {}
    for line in file.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Z0-9_]+)=(.*)$", line.strip())
        if m:
            merged[m.group(1)] = m.group(2)
    merged.update(environ)
    return merged, file


@dataclass(frozen=True)
class S3ClientSettings:
    """How to reach S3 (results and S3 inputs share one client, as in the TypeScript worker)."""

    region: str | None
    endpoint: str | None
    force_path_style: bool
    access_key_id: str | None
    secret_access_key: str | None
    session_token: str | None


@dataclass(frozen=True)
class Settings:
    temporal_address: str
    temporal_namespace: str
    temporal_api_key: str | None
    temporal_tls: TLSConfig | bool
    #: GA_PY_TASK_QUEUE: every analysis on this queue (as the dispatcher sends them), else each
    #: analysis's own (its manifest's).
    task_queue: str | None
    #: ``("s3", bucket, prefix)`` or ``("local", root, "")``.
    results: tuple[str, str, str]
    s3: S3ClientSettings
    input_buckets: tuple[str, ...] | None
    data_root: Path | None
    scratch_dir: Path
    max_concurrent_activities: int
    shutdown_grace_seconds: float
    env_file: Path | None

    def results_description(self) -> str:
        kind, where, prefix = self.results
        return f"s3://{where}/{prefix}".rstrip("/") if kind == "s3" else Path(where).as_uri()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Reads and checks the configuration; raises :class:`ConfigError` naming each bad variable."""
    original = os.environ if environ is None else environ
    env, env_file = effective_env(original)
    problems: list[tuple[str, str]] = []

    def origin(name: str) -> str:
        return f" (from {env_file})" if env_file is not None and name not in original else ""

    def raw(name: str) -> str | None:
        return env.get(name) or None

    def problem(name: str, message: str) -> None:
        problems.append((name, message))

    def match(name: str, pattern: re.Pattern[str], expected: str, default: str | None = None, secret: bool = False) -> str | None:
        value = raw(name)
        if value is None:
            return default
        if not pattern.match(value):
            shown = "the given value" if secret else repr(value)
            problem(name, f"{shown} is not valid; expected {expected}")
            return None
        return value

    def boolean(name: str, default: bool | None) -> bool | None:
        value = raw(name)
        if value is None:
            return default
        if value.lower() not in _BOOLS:
            problem(name, f"{value!r} is not valid; expected true or false")
            return default
        return _BOOLS[value.lower()]

    def count(name: str, default: int, low: int = 1, high: int = 10_000) -> int:
        value = raw(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            problem(name, f"{value!r} is not valid; expected an integer from {low} to {high}")
            return default
        return int(value)

    def pem(name: str) -> bytes | None:
        path = raw(name)
        if path is None:
            return None
        try:
            return Path(path).read_bytes()
        except OSError as e:
            problem(name, f"cannot read {path!r} ({e.strerror}); expected a PEM file")
            return None

    # Temporal
    address = match("TEMPORAL_ADDRESS", _ADDRESS, "host:port, e.g. 127.0.0.1:7233", "127.0.0.1:7233")
    namespace = match("TEMPORAL_NAMESPACE", _NAMESPACE, "a namespace name, e.g. default", "default")
    api_key = match("TEMPORAL_API_KEY", _TOKEN, "an API key without spaces", secret=True)
    tls_flag = boolean("TEMPORAL_TLS", None)
    client_cert = pem("TEMPORAL_TLS_CLIENT_CERT_PATH")
    client_key = pem("TEMPORAL_TLS_CLIENT_KEY_PATH")
    server_ca = pem("TEMPORAL_TLS_SERVER_CA_CERT_PATH")
    server_name = match("TEMPORAL_TLS_SERVER_NAME", _TOKEN, "a server name, e.g. my-namespace.tmprl.cloud")
    if (raw("TEMPORAL_TLS_CLIENT_CERT_PATH") is None) != (raw("TEMPORAL_TLS_CLIENT_KEY_PATH") is None):
        missing = "TEMPORAL_TLS_CLIENT_CERT_PATH" if raw("TEMPORAL_TLS_CLIENT_CERT_PATH") is None else "TEMPORAL_TLS_CLIENT_KEY_PATH"
        problem(missing, "mutual TLS needs both the client certificate and the client key")
    any_tls = any(v is not None for v in (client_cert, client_key, server_ca, server_name))
    if tls_flag is False and any_tls:
        problem("TEMPORAL_TLS", "is false but TLS certificate settings are given")
    # As Temporal's own environment configuration: an API key or certificates imply TLS.
    tls_on = tls_flag if tls_flag is not None else (api_key is not None or any_tls)
    tls: TLSConfig | bool = (
        TLSConfig(server_root_ca_cert=server_ca, domain=server_name, client_cert=client_cert, client_private_key=client_key)
        if tls_on and any_tls
        else tls_on
    )
    task_queue = match("GA_PY_TASK_QUEUE", TASK_QUEUE_PATTERN, "a task queue name without spaces")

    # S3 client (results and S3 inputs)
    endpoint = match("S3_ENDPOINT", _URL, "an http(s) URL, e.g. http://127.0.0.1:8333")
    region = match("AWS_REGION", _REGION, "an AWS region, e.g. us-west-2", "us-east-1" if endpoint else None)
    access_key = match("AWS_ACCESS_KEY_ID", _TOKEN, "an access key id")
    secret_key = match("AWS_SECRET_ACCESS_KEY", _TOKEN, "a secret access key", secret=True)
    token = match("AWS_SESSION_TOKEN", _TOKEN, "a session token", secret=True)
    if (raw("AWS_ACCESS_KEY_ID") is None) != (raw("AWS_SECRET_ACCESS_KEY") is None):
        missing = "AWS_ACCESS_KEY_ID" if raw("AWS_ACCESS_KEY_ID") is None else "AWS_SECRET_ACCESS_KEY"
        problem(missing, "access key id and secret access key go together")
    s3 = S3ClientSettings(region, endpoint, bool(boolean("S3_FORCE_PATH_STYLE", False)), access_key, secret_key, token)

    # Results store
    bucket_raw, local_raw = raw("ANALYSIS_BUCKET"), raw("GA_LOCAL_RESULTS_DIR")
    results: tuple[str, str, str] = ("local", "", "")
    if bucket_raw is not None and local_raw is not None:
        problem(
            "ANALYSIS_BUCKET",
            f"both ANALYSIS_BUCKET{origin('ANALYSIS_BUCKET')} and GA_LOCAL_RESULTS_DIR{origin('GA_LOCAL_RESULTS_DIR')} "
            "are set; results go to one place (set ANALYSIS_BUCKET= to use the folder)",
        )
    elif bucket_raw is not None:
        m = re.match(r"^(?:s3://)?([^/]+)(?:/(.*))?$", bucket_raw)
        if not m or not S3_BUCKET.match(m.group(1)) or re.search(r"\s", bucket_raw):
            problem("ANALYSIS_BUCKET", f"{bucket_raw!r} is not s3://bucket[/prefix] (bucket: 3-63 lowercase letters, digits, dots, hyphens)")
        else:
            results = ("s3", m.group(1), (m.group(2) or "").strip("/"))
            if region is None and raw("AWS_REGION") is None:
                problem("AWS_REGION", "is required with ANALYSIS_BUCKET on AWS (or set S3_ENDPOINT for an S3-compatible server)")
    elif local_raw is not None:
        results = ("local", str(Path(local_raw).resolve()), "")
    else:
        problem("ANALYSIS_BUCKET", "no results location: set ANALYSIS_BUCKET (s3://bucket[/prefix]) or GA_LOCAL_RESULTS_DIR (a folder)")

    # Inputs
    data_root: Path | None = None
    if raw("GA_DATA_ROOT") is not None:
        data_root = Path(raw("GA_DATA_ROOT") or "").resolve()
        if not data_root.is_dir():
            problem("GA_DATA_ROOT", f"no folder at {str(data_root)!r}; expected the folder local sessions must lie in")
    input_buckets: tuple[str, ...] | None = None
    if raw("GA_INPUT_BUCKETS") is not None:
        input_buckets = tuple(b.strip() for b in (raw("GA_INPUT_BUCKETS") or "").split(","))
        bad = [b for b in input_buckets if not S3_BUCKET.match(b)]
        if bad:
            problem("GA_INPUT_BUCKETS", f"{bad} are not bucket names; expected a comma-separated list, e.g. my-data,other-data")
    scratch = Path(raw("GA_PY_SCRATCH_DIR") or Path(tempfile.gettempdir()) / "grouped-analysis-py-cache").resolve()

    max_activities = count("GA_PY_MAX_CONCURRENT_ACTIVITIES", 4)
    grace = count("GA_PY_SHUTDOWN_GRACE_SECONDS", 600, 0, 86_400)

    if problems:
        raise ConfigError(problems)
    assert address is not None and namespace is not None
    return Settings(
        temporal_address=address,
        temporal_namespace=namespace,
        temporal_api_key=api_key,
        temporal_tls=tls,
        task_queue=task_queue,
        results=results,
        s3=s3,
        input_buckets=input_buckets,
        data_root=data_root,
        scratch_dir=scratch,
        max_concurrent_activities=max_activities,
        shutdown_grace_seconds=float(grace),
        env_file=env_file,
    )
