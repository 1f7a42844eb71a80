"""The results store: an S3 bucket/prefix or a local folder, keyed by relative paths, as the
TypeScript stores (src/stores/s3.ts, local.ts) read and write it. Every S3 object carries user
metadata ``sha256`` (what the TypeScript side's ``head`` verifies); local writes are
write-then-rename."""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from .config import S3ClientSettings, Settings

CONTENT_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv",
    ".parquet": "application/vnd.apache.parquet",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
#: Uploads in flight at once (on S3 each is at least one round trip).
UPLOAD_CONCURRENCY = 8
_CHUNK = 1 << 20


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def check_key(key: str) -> str:
    """Rejects keys that could leave the store's root (as src/stores/object-store.ts)."""
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in key.split("/")):
        raise ValueError(f"invalid object key {key!r}: keys are relative, '/'-separated, without empty, '.' or '..' parts")
    return key


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class ObjectNotFound(Exception):
    def __init__(self, uri: str) -> None:
        super().__init__(f"object not found: {uri}")
        self.uri = uri


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str | None


class ResultsStore(Protocol):
    def uri(self, key: str) -> str: ...
    def exists(self, key: str) -> bool: ...
    def head(self, key: str) -> StoredObject | None: ...
    def get(self, key: str) -> bytes: ...
    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject: ...
    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject: ...
    def copy(self, from_key: str, to_key: str) -> None: ...


def _tmp_name(target: Path) -> Path:
    # The TypeScript local store's listing skips names containing ".tmp-<pid>-".
    return target.with_name(f"{target.name}.tmp-{os.getpid()}-{secrets.token_hex(5)}")


class LocalStore:
    """A folder; keys are relative paths under it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def head(self, key: str) -> StoredObject | None:
        p = self._path(key)
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            return None
        return StoredObject(key, size, file_sha256(p))

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(self.uri(key)) from None

    def _commit(self, key: str, write: Callable[[Path], str]) -> StoredObject:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_name(target)
        try:
            sha256 = write(tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredObject(key, target.stat().st_size, sha256)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        def write(tmp: Path) -> str:
            tmp.write_bytes(data)
            return hashlib.sha256(data).hexdigest()

        return self._commit(key, write)

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        def write(tmp: Path) -> str:
            h = hashlib.sha256()
            with open(path, "rb") as src, open(tmp, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    dst.write(chunk)
            return h.hexdigest()

        return self._commit(key, write)

    def copy(self, from_key: str, to_key: str) -> None:
        """A read-only hard link, as the TypeScript store makes (the bytes are stored once however
        many runs list a session's files); a copy where links are refused."""
        source, target = self._path(from_key), self._path(to_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_name(target)
        try:
            os.chmod(source, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.link(source, tmp)
        except FileNotFoundError:
            raise ObjectNotFound(self.uri(from_key)) from None
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.EMLINK, errno.EPERM, errno.EACCES):
                raise
            try:
                shutil.copyfile(source, tmp)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        os.replace(tmp, target)


def make_s3_client(s3: S3ClientSettings) -> Any:
    config = BotoConfig(
        region_name=s3.region,
        # Fail an attempt fast when S3 is down; Temporal's retry policy does the waiting.
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path" if s3.force_path_style else "auto"},
        max_pool_connections=2 * UPLOAD_CONCURRENCY,
        # S3-compatible servers (the local SeaweedFS, MinIO) lag behind AWS on the default
        # integrity checksums; our own sha256 metadata is what outputs are verified by.
        **(
            {"request_checksum_calculation": "when_required", "response_checksum_validation": "when_required"}
            if s3.endpoint
            else {}
        ),
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=s3.secret_access_key,
        aws_session_token=s3.session_token,
        config=config,
    )


def is_not_found(e: ClientError) -> bool:
    return e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3Store:
    """``s3://bucket/prefix``; keys are relative to the prefix."""

    # Parts of 8 MiB, two at a time per file (several files go up at once).
    _transfer = TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20, max_concurrency=2)

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _full(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def head(self, key: str) -> StoredObject | None:
        try:
            out = self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as e:
            if is_not_found(e):
                return None
            raise
        return StoredObject(key, int(out["ContentLength"]), out.get("Metadata", {}).get("sha256"))

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._full(key))["Body"].read()
        except ClientError as e:
            if is_not_found(e):
                raise ObjectNotFound(self.uri(key)) from None
            raise

    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        sha256 = hashlib.sha256(data).hexdigest()
        self.client.put_object(
            Bucket=self.bucket, Key=self._full(key), Body=data, ContentType=content_type, Metadata={"sha256": sha256}
        )
        return StoredObject(key, len(data), sha256)

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        sha256 = file_sha256(path)
        self.client.upload_file(
            str(path),
            self.bucket,
            self._full(key),
            ExtraArgs={"ContentType": content_type, "Metadata": {"sha256": sha256}},
            Config=self._transfer,
        )
        return StoredObject(key, path.stat().st_size, sha256)

    def copy(self, from_key: str, to_key: str) -> None:
        """One CopyObject keeping the metadata (its sha256); enough up to S3's 5 GB copy limit."""
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=self._full(to_key),
                CopySource={"Bucket": self.bucket, "Key": self._full(from_key)},
                MetadataDirective="COPY",
            )
        except ClientError as e:
            if is_not_found(e):
                raise ObjectNotFound(self.uri(from_key)) from None
            raise


def store_for(settings: Settings, s3_client: Callable[[], Any]) -> ResultsStore:
    kind, where, prefix = settings.results
    if kind == "s3":
        return S3Store(s3_client(), where, prefix)
    return LocalStore(Path(where))


def folder_files(folder: Path) -> list[str]:
    """Every file under ``folder`` as a sorted relative POSIX path."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def upload_folder(
    store: ResultsStore, folder: Path, prefix: str, beat: Callable[[Any], None] = lambda d: None
) -> list[dict[str, Any]]:
    """Uploads every file under ``folder`` to ``<prefix><relative path>``, several at a time.
    Returns ``[{"name", "size", "sha256"}]`` in sorted path order."""
    names = folder_files(folder)

    def one(name: str) -> dict[str, Any]:
        put = store.put_file(prefix + name, folder / name, content_type(name))
        beat({"stage": "upload", "file": name})
        return {"name": name, "size": put.size, "sha256": put.sha256}

    with ThreadPoolExecutor(UPLOAD_CONCURRENCY) as pool:
        return list(pool.map(one, names))
