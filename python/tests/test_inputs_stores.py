"""Staging sessions (containment rules, the scratch cache) and the local results store."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ga_test_helpers import HDF5_SESSIONS, ZARR_SESSION

from grouped_analysis_py import InvalidInput
from grouped_analysis_py.inputs import Stager
from grouped_analysis_py.stores import LocalStore, ObjectNotFound, check_key, content_type, upload_folder


class FakeS3:
    """The few S3 calls the stager makes, over a dict of key -> bytes (one bucket)."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.calls: list[str] = []

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append(f"head {Key}")
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "404"}}, "HeadObject")
        return {"ContentLength": len(self.objects[Key])}

    def download_file(self, bucket: str, key: str, filename: str, Callback: Any = None) -> None:
        self.calls.append(f"get {key}")
        Path(filename).write_bytes(self.objects[key])
        if Callback:
            Callback(len(self.objects[key]))

    def get_paginator(self, name: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, Bucket: str, Prefix: str) -> Any:
                fake.calls.append(f"list {Prefix}")
                yield {"Contents": [{"Key": k} for k in sorted(fake.objects) if k.startswith(Prefix)]}

        return Paginator()


def stager(tmp_path: Path, s3: FakeS3 | None = None, **kw: Any) -> Stager:
    return Stager(tmp_path / "scratch", lambda: s3, **kw)


def ref(uri: str, fingerprint: str = "f1") -> dict[str, str]:
    return {"uri": uri, "fingerprint": fingerprint}


def test_local_sessions_are_used_in_place(tmp_path: Path) -> None:
    h5 = stager(tmp_path).stage(ref(HDF5_SESSIONS[0].as_uri()))
    assert (h5.path, h5.format) == (HDF5_SESSIONS[0], "hdf5")
    z = stager(tmp_path).stage(ref(str(ZARR_SESSION)))
    assert (z.path, z.format) == (ZARR_SESSION, "zarr")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("file:///data/../etc/passwd", "'..' is not allowed"),
        ("/data/x/../../etc", "'..' is not allowed"),
        ("file:///data/%2e%2e/etc", "'..' is not allowed"),
        ("s3://bucket-a/x/../y.nwb", "'..' is not allowed"),
        ("s3://bucket-b/y.nwb", r"not in GA_INPUT_BUCKETS \(bucket-a\); add it to GA_INPUT_BUCKETS"),
        ("file://otherhost/x.nwb", "must name a local path"),
        ("relative/x.nwb", "unsupported session location"),
        ("s3://bucket-a/", "not s3://bucket/key"),
    ],
)
def test_containment_refusals(tmp_path: Path, uri: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as e:
        stager(tmp_path, FakeS3({}), input_buckets=("bucket-a",)).stage(ref(uri))
    assert e.value.file in (uri, None)


def test_data_root_contains_local_sessions_after_resolving_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    inside = root / "s.nwb"
    inside.write_bytes(b"x")
    outside = tmp_path / "outside.nwb"
    outside.write_bytes(b"y")
    (root / "link.nwb").symlink_to(outside)
    s = stager(tmp_path, data_root=root)
    assert s.stage(ref(inside.as_uri())).path == inside
    for p in (outside, root / "link.nwb"):
        with pytest.raises(InvalidInput, match=r"outside GA_DATA_ROOT .*; set GA_DATA_ROOT to a folder that contains it") as e:
            s.stage(ref(p.as_uri()))
        assert e.value.file == p.as_uri()


def test_missing_and_non_zarr_folders(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file or folder"):
        stager(tmp_path).stage(ref(str(tmp_path / "nope.nwb")))
    with pytest.raises(InvalidInput, match="not a Zarr NWB session"):
        stager(tmp_path).stage(ref(str(tmp_path)))


def test_s3_hdf5_object_is_downloaded_once_per_content(tmp_path: Path) -> None:
    s3 = FakeS3({"sessions/a.nwb": b"hdf5 bytes"})
    beats: list[Any] = []
    s = stager(tmp_path, s3)
    first = s.stage(ref("s3://bucket-a/sessions/a.nwb"), beats.append)
    digest = hashlib.sha256(b"s3://bucket-a/sessions/a.nwb\nf1").hexdigest()
    assert first.path == tmp_path / "scratch" / "sessions" / digest / "a.nwb" and first.format == "hdf5"
    assert first.path.read_bytes() == b"hdf5 bytes" and os.listdir(first.path.parent) == ["a.nwb"]
    assert beats[-1] == {"stage": "download", "session": "s3://bucket-a/sessions/a.nwb", "bytes": 10}
    s3.calls.clear()
    assert s.stage(ref("s3://bucket-a/sessions/a.nwb")).path == first.path
    assert s3.calls == ["head sessions/a.nwb"]  # no download
    assert s.stage(ref("s3://bucket-a/sessions/a.nwb", "f2")).path != first.path  # new content, new copy


def test_s3_zarr_prefix_is_downloaded_as_a_folder(tmp_path: Path) -> None:
    objects = {"z.nwb/.zgroup": b"{}", "z.nwb/intervals/trials/start_time/0": b"c", "z.nwb/marker/": b"", "z.nwbx/other": b"no"}
    s3 = FakeS3(objects)
    for uri in ("s3://bucket-a/z.nwb/", "s3://bucket-a/z.nwb"):
        session = stager(tmp_path / uri[-1], s3).stage(ref(uri))
        assert session.format == "zarr" and session.path.name == "z.nwb"
        files = sorted(p.relative_to(session.path).as_posix() for p in session.path.rglob("*") if p.is_file())
        assert files == [".zgroup", "intervals/trials/start_time/0"]
        assert [p.name for p in session.path.parent.iterdir()] == ["z.nwb"]  # no temp folder left


@pytest.mark.parametrize("bad", ["z.nwb/../escape", "z.nwb/a//b", "z.nwb/./x"])
def test_s3_listing_that_would_escape_is_refused(tmp_path: Path, bad: str) -> None:
    s3 = FakeS3({"z.nwb/.zgroup": b"{}", bad: b"evil"})
    with pytest.raises(InvalidInput, match="would escape the session folder"):
        stager(tmp_path, s3).stage(ref("s3://bucket-a/z.nwb/"))
    assert not any((tmp_path / "scratch").rglob("escape"))


def test_s3_missing_session(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such object, and no objects under 'nope.nwb/'"):
        stager(tmp_path, FakeS3({})).stage(ref("s3://bucket-a/nope.nwb"))


def test_local_store_put_copy_get(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    src = tmp_path / "f.csv"
    src.write_text("a,b\n1,2\n")
    put = store.put_file("k1/f.csv", src, "text/csv")
    assert (put.size, put.sha256) == (8, hashlib.sha256(b"a,b\n1,2\n").hexdigest())
    assert store.head("k1/f.csv") == put and store.exists("k1/f.csv") and store.head("nope") is None
    store.copy("k1/f.csv", "run/f.csv")
    copied = tmp_path / "store" / "run" / "f.csv"
    assert copied.read_bytes() == src.read_bytes() and copied.stat().st_ino == (tmp_path / "store" / "k1" / "f.csv").stat().st_ino
    assert not stat.S_IMODE(copied.stat().st_mode) & 0o222  # read-only, as the TypeScript store links
    with pytest.raises(ObjectNotFound):
        store.copy("nope", "x")
    with pytest.raises(ObjectNotFound):
        store.get("nope")
    assert store.uri("run/f.csv") == copied.as_uri()
    assert list((tmp_path / "store").rglob("*.tmp-*")) == []


def test_keys_cannot_escape() -> None:
    for bad in ("", "/abs", "a/../b", "a//b", "a/./b", "a\\b"):
        with pytest.raises(ValueError):
            check_key(bad)


def test_upload_folder_sorted_with_sha256(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    (folder / "figures" / "sub").mkdir(parents=True)
    for i, name in enumerate(["b.csv", "a.json", "figures/x.png", "figures/sub/y.svg", "z.bin"]):
        (folder / name).write_bytes(bytes([i]) * (i + 1))
    out = upload_folder(LocalStore(tmp_path / "store"), folder, "run/")
    assert [o["name"] for o in out] == ["a.json", "b.csv", "figures/sub/y.svg", "figures/x.png", "z.bin"]
    for o in out:
        stored = (tmp_path / "store" / "run" / o["name"]).read_bytes()
        assert o["sha256"] == hashlib.sha256(stored).hexdigest() and o["size"] == len(stored)


def test_content_types() -> None:
    assert [content_type(n) for n in ("a.json", "b.CSV", "c.parquet", "d.svg", "e.png", "f.html", "g.txt", "h.bin")] == [
        "application/json", "text/csv", "application/vnd.apache.parquet", "image/svg+xml", "image/png",
        "text/html; charset=utf-8", "text/plain; charset=utf-8", "application/octet-stream",
    ]
