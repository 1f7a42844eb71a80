"""Dump the reference per-session tables of one NWB file as comparison-friendly JSON.

    bash scripts/reference/run.sh scripts/reference/dump_session_tables.py \
        --nwb test/fixtures/real-nwb/697062_2023-11-14_11-12-44.nwb --out /tmp/dump \
        [--tables session,trials,events,fip]

Writes OUT/<table>.json for each table as
    {"columns": [...], "dtypes": {col: str(dtype)}, "index": [...], "data": {col: [...]}}
and OUT/meta.json (package versions, timings, warnings, errors, row counts).

Values: NaN/None/NA/NaT -> null, +-inf -> "inf"/"-inf", arrays/lists in cells -> lists (same
rules), timestamps -> ISO strings, floats as Python repr (shortest round-trip, so the
TypeScript side can compare bit-for-bit). The tables are exactly what the lab's
aind-dynamic-foraging-data-utils returns; nothing is added or reordered here.

Exit status: 0 when every requested table was produced (fip may be absent: no photometry),
3 when the reference code raised for a table (the error is in meta.json), 2 on bad usage.
"""

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import sys
import time
import traceback
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from aind_dynamic_foraging_data_utils import nwb_utils

TABLES = ("session", "trials", "events", "fip")

# Function names differ between data-utils versions (create_events_df / create_df_events, ...):
# take the first one the installed version has.
FUNCTIONS = {
    "session": ("create_df_session",),
    "trials": ("create_df_trials",),
    "events": ("create_df_events", "create_events_df"),
    "fip": ("create_df_fip", "create_fib_df"),
}
# Extra keyword arguments: fip in tidy (long) form, which is what the analysis uses.
KWARGS = {"fip": {"tidy": True}}

VERSIONED = (
    "aind-dynamic-foraging-data-utils",
    "aind-dynamic-foraging-basic-analysis",
    "aind-dynamic-foraging-models",
    "pynwb",
    "hdmf",
    "hdmf-zarr",
    "zarr",
    "h5py",
    "pandas",
    "numpy",
    "scipy",
    "pyarrow",
)


def cell(v):
    """One value -> a JSON-safe value (recursive for arrays, lists, dicts)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):  # before int: bool is an int subclass
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else pd.Timestamp(v).isoformat()
    if isinstance(v, (pd.Timedelta, np.timedelta64, dt.timedelta)):
        return None if pd.isna(v) else pd.Timedelta(v).total_seconds()
    if isinstance(v, np.ndarray):
        return [cell(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [cell(x) for x in v]
    if isinstance(v, dict):
        return {str(k): cell(x) for k, x in v.items()}
    return str(v)


def column(s):
    """A whole column; numeric columns take a vectorised path (fip has ~2M rows)."""
    kind = s.dtype.kind
    if kind == "f" and not isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        arr = s.to_numpy()
        out = arr.tolist()
        for i in np.flatnonzero(~np.isfinite(arr)):
            out[i] = cell(arr[i])
        return out
    if kind in "iub" and not isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        return s.to_numpy().tolist()
    if kind == "M":  # datetime64, with or without a zone
        return [cell(x) for x in s]
    return [cell(x) for x in s.astype(object).tolist()]


def table_json(df):
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate column names: {names}")
    return {
        "columns": names,
        "dtypes": {str(c): str(t) for c, t in df.dtypes.items()},
        "index": [cell(x) for x in df.index.tolist()],
        "data": {str(c): column(df[c]) for c in df.columns},
    }


def versions():
    out = {}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nwb", required=True, help="NWB file (HDF5) or folder (Zarr)")
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--tables", default=",".join(TABLES), help="comma list of " + ",".join(TABLES))
    args = ap.parse_args(argv)

    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    bad = [t for t in tables if t not in TABLES]
    if bad or not tables:
        ap.error(f"unknown table(s) {bad}; choose from {','.join(TABLES)}")
    if not os.path.exists(args.nwb):
        ap.error(f"no such NWB: {args.nwb}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t_all = time.perf_counter()
    meta = {
        "nwb": args.nwb,
        "nwb_abspath": os.path.abspath(args.nwb),
        "format": "zarr" if os.path.isdir(args.nwb) else "hdf5",
        "versions": versions(),
        "python": platform.python_version(),
        "env": {k: os.environ.get(k) for k in ("PYTHONHASHSEED", "TZ")},
        "tables": {},
    }

    # Load once and hand the NWB object to every function (they accept a path or an NWB).
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the loader never closes its io
        nwb = nwb_utils.load_nwb_from_filename(args.nwb)
    meta["load_seconds"] = round(time.perf_counter() - t0, 3)

    failed = False
    for name in tables:
        fname = next(f for f in FUNCTIONS[name] if hasattr(nwb_utils, f))
        info = {"function": f"nwb_utils.{fname}", "file": None, "warnings": []}
        t0 = time.perf_counter()
        # The package prints progress on stdout; keep it off ours and record its warnings.
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(sys.stderr):
            warnings.simplefilter("always")
            try:
                df = getattr(nwb_utils, fname)(nwb, **KWARGS.get(name, {}))
            except ValueError as e:
                # create_df_fip concatenates nothing when the file has no FIP series at all
                if name != "fip" or "No objects to concatenate" not in str(e):
                    raise
                df = None
                info["note"] = "no FIP series: create_df_fip raises ValueError (empty concat)"
            except Exception as e:  # the reference's own failure is a result to report
                df = None
                failed = True
                info["error"] = f"{type(e).__name__}: {e}"
                traceback.print_exc()
        for w in caught:
            if issubclass(w.category, (ResourceWarning, DeprecationWarning)):
                continue  # library housekeeping noise, not about the data
            text = f"{w.category.__name__}: {' '.join(str(w.message).split())}"
            if text not in info["warnings"]:
                info["warnings"].append(text)
                print(f"[{name}] {text}", file=sys.stderr)
        info["compute_seconds"] = round(time.perf_counter() - t0, 3)
        if df is not None:
            t0 = time.perf_counter()
            doc = table_json(df)
            with open(out / f"{name}.json", "w") as f:
                json.dump(doc, f, allow_nan=False, separators=(",", ":"))
            info.update(file=f"{name}.json", rows=len(df), columns=len(df.columns))
            info["write_seconds"] = round(time.perf_counter() - t0, 3)
        elif "error" not in info:
            info["absent"] = True  # e.g. create_df_fip returns None without photometry
        meta["tables"][name] = info

    meta["total_seconds"] = round(time.perf_counter() - t_all, 3)
    with open(out / "meta.json", "w") as f:
        json.dump(meta, f, indent=2, allow_nan=False)
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
