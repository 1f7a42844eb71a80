"""Stages a job's sessions on local disk: S3 sessions are downloaded once per content into the
scratch cache (an HDF5 object to a file, a Zarr prefix to a folder), local ones are used in
place. Containment: S3 buckets from ``GA_INPUT_BUCKETS``, local paths under ``GA_DATA_ROOT``, no
``..`` anywhere, no listed object written outside its session's folder."""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from botocore.exceptions import ClientError

from .config import S3_BUCKET
from .context import SessionInput
from .errors import InvalidInput
from .stores import is_not_found

#: Objects of a Zarr session downloaded at once.
DOWNLOAD_CONCURRENCY = 8


def _has_dotdot(path: str) -> bool:
    return ".." in path.split("/")


class Stager:
    """Turns a ``SessionRef`` (``{uri, fingerprint, ...}``) into a :class:`SessionInput`."""

    def __init__(
        self,
        scratch_dir: Path,
        s3_client: Callable[[], Any],
        input_buckets: tuple[str, ...] | None = None,
        data_root: Path | None = None,
    ) -> None:
        self.cache_dir = Path(scratch_dir) / "sessions"
        self._s3_client = s3_client
        self.input_buckets = input_buckets
        self.data_root = Path(data_root).resolve() if data_root is not None else None

    def stage(self, ref: Mapping[str, Any], beat: Callable[[Any], None] = lambda d: None) -> SessionInput:
        uri = ref.get("uri")
        if not isinstance(uri, str) or not uri:
            raise InvalidInput(f"session has no uri: {dict(ref)!r}")
        fingerprint = str(ref.get("fingerprint", ""))
        if uri.startswith("s3://"):
            return self._stage_s3(uri, fingerprint, beat)
        if uri.startswith("file://"):
            parsed = urlparse(uri)
            if parsed.netloc not in ("", "localhost"):
                raise InvalidInput(f"{uri}: file URIs must name a local path (file:///abs/path)", file=uri)
            return self._local(uri, unquote(parsed.path), fingerprint)
        if uri.startswith("/"):
            return self._local(uri, uri, fingerprint)
        raise InvalidInput(f"{uri}: unsupported session location; expected s3://bucket/key, file:///abs/path or /abs/path", file=uri)

    def _local(self, uri: str, path: str, fingerprint: str) -> SessionInput:
        if _has_dotdot(path):
            raise InvalidInput(f"{uri}: '..' is not allowed in a session location", file=uri)
        p = Path(path)
        if self.data_root is not None:
            resolved = p.resolve()
            if resolved != self.data_root and self.data_root not in resolved.parents:
                raise InvalidInput(
                    f"{uri}: outside GA_DATA_ROOT ({self.data_root}); set GA_DATA_ROOT to a folder that contains it",
                    file=uri,
                )
        if p.is_dir():
            if not (p / ".zgroup").is_file():
                raise InvalidInput(f"{uri}: a folder but not a Zarr NWB session (no .zgroup)", file=uri)
            return SessionInput(uri, p, fingerprint, "zarr")
        if p.is_file():
            return SessionInput(uri, p, fingerprint, "hdf5")
        raise InvalidInput(f"{uri}: no such file or folder", file=uri)

    def _stage_s3(self, uri: str, fingerprint: str, beat: Callable[[Any], None]) -> SessionInput:
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not S3_BUCKET.match(bucket) or not key.strip("/"):
            raise InvalidInput(f"{uri}: not s3://bucket/key", file=uri)
        if _has_dotdot(key):
            raise InvalidInput(f"{uri}: '..' is not allowed in a session location", file=uri)
        if self.input_buckets is not None and bucket not in self.input_buckets:
            raise InvalidInput(
                f"{uri}: bucket {bucket!r} is not in GA_INPUT_BUCKETS ({','.join(self.input_buckets)}); add it to GA_INPUT_BUCKETS to read from it",
                file=uri,
            )
        name = PurePosixPath(key.rstrip("/")).name
        # One folder per (uri, fingerprint): changed content is fetched again, the same content once.
        digest = hashlib.sha256(f"{uri}\n{fingerprint}".encode()).hexdigest()
        target = self.cache_dir / digest / name
        if key.endswith("/"):
            fmt = "zarr"
        else:
            fmt = "hdf5" if self._is_object(bucket, key, uri) else "zarr"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "hdf5":
                self._download_file(bucket, key, target, uri, beat)
            else:
                self._download_prefix(bucket, key.rstrip("/") + "/", target, uri, beat)
        return SessionInput(uri, target, fingerprint, fmt)

    def _is_object(self, bucket: str, key: str, uri: str) -> bool:
        try:
            self._s3_client().head_object(Bucket=bucket, Key=key)
            return True
        except ClientError as e:
            if is_not_found(e):
                return False
            raise

    def _download_file(self, bucket: str, key: str, target: Path, uri: str, beat: Callable[[Any], None]) -> None:
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(5)}")
        done = 0

        def progress(n: int) -> None:  # progress only: an approximate count is fine
            nonlocal done
            done += n
            beat({"stage": "download", "session": uri, "bytes": done})

        try:
            self._s3_client().download_file(bucket, key, str(tmp), Callback=progress)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def _download_prefix(self, bucket: str, prefix: str, target: Path, uri: str, beat: Callable[[Any], None]) -> None:
        client = self._s3_client()
        keys: list[tuple[str, list[str]]] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(prefix) :]
                if rel == "" or rel.endswith("/"):
                    continue  # folder markers
                parts = rel.split("/")
                if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
                    raise InvalidInput(
                        f"{uri}: object key {obj['Key']!r} would escape the session folder; refusing the session",
                        file=uri,
                    )
                keys.append((obj["Key"], parts))
        if not keys:
            raise InvalidInput(f"{uri}: no such object, and no objects under {prefix!r}", file=uri)
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(5)}")
        done = itertools.count(1)  # next() is atomic across the download threads

        def one(item: tuple[str, list[str]]) -> None:
            key, parts = item
            dest = tmp.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, key, str(dest))
            beat({"stage": "download", "session": uri, "objects": next(done), "total": len(keys)})

        try:
            with ThreadPoolExecutor(DOWNLOAD_CONCURRENCY) as pool:
                list(pool.map(one, keys))
            try:
                os.rename(tmp, target)
            except OSError:
                if not target.is_dir():  # not a concurrent download of the same session
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
