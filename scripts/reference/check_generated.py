"""Check that NWB files open in the lab's Python stack and feed the reference's table builders.

    bash scripts/reference/run.sh scripts/reference/check_generated.py FILE.nwb [FILE.nwb ...]

For each file (HDF5 file or Zarr folder): opens it with pynwb.NWBHDF5IO or hdmf_zarr.NWBZarrIO,
validates it against its cached schema (pynwb.validate), and runs
aind_dynamic_foraging_data_utils.nwb_utils.create_df_session / create_df_trials /
create_df_events / create_df_fip on the opened NWB. Every Python warning raised on the way is
recorded. Prints one JSON document on stdout; exits 1 if any step of any file failed.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import traceback
import warnings

from aind_dynamic_foraging_data_utils import nwb_utils
from hdmf_zarr import NWBZarrIO
from pynwb import NWBHDF5IO, validate


def _warning_record(w):
    return {
        "category": w.category.__name__,
        "message": str(w.message),
        "origin": f"{os.path.basename(w.filename)}:{w.lineno}",
    }


def _run(step, fn, summary):
    """Runs fn (silencing the reference's prints) and stores its summary or its error."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            value = fn()
        step.update(ok=True, **summary(value))
        return value
    except Exception as err:  # noqa: BLE001 - report every failure as data
        step.update(ok=False, error=f"{type(err).__name__}: {err}", traceback=traceback.format_exc())
        return None


def check(path):
    is_zarr = os.path.isdir(path)
    result = {"file": path, "format": "zarr" if is_zarr else "hdf5", "steps": {}}
    steps = result["steps"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = NWBZarrIO(path, mode="r") if is_zarr else NWBHDF5IO(path, mode="r")
        try:
            steps["open"] = {}
            nwb = _run(
                steps["open"],
                reader.read,
                lambda n: {
                    "session_id": n.session_id,
                    "subject_id": n.subject.subject_id,
                    "protocol": n.protocol,
                    "session_start_time": n.session_start_time.isoformat(),
                    "acquisition": sorted(n.acquisition.keys()),
                },
            )
            steps["validate"] = {}
            _run(
                steps["validate"],
                lambda: validate(io=reader),
                lambda errors: {"errors": [str(e) for e in errors]},
            )
            if nwb is not None:
                steps["create_df_session"] = {}
                _run(
                    steps["create_df_session"],
                    lambda: nwb_utils.create_df_session(nwb),
                    lambda df: {
                        "rows": len(df),
                        "finished_trials": int(df["finished_trials"].iloc[0]),
                        "reward_trials": int(df["reward_trials"].iloc[0]),
                        "rig": str(df["rig"].iloc[0]),
                        "task": str(df["task"].iloc[0]),
                    },
                )
                steps["create_df_trials"] = {}
                _run(
                    steps["create_df_trials"],
                    lambda: nwb_utils.create_df_trials(nwb, verbose=False),
                    lambda df: {
                        "rows": len(df),
                        "columns": list(df.columns),
                        "earned_reward": int(df["earned_reward"].sum()),
                        "extra_reward": int(df["extra_reward"].sum()),
                        "choice_time_missing": int(df["choice_time_in_session"].isna().sum()),
                        "bool_dtypes": {
                            c: str(df[c].dtype)
                            for c in ["rewarded_historyL", "rewarded_historyR", "bait_left", "bait_right"]
                        },
                    },
                )
                steps["create_df_events"] = {}
                _run(
                    steps["create_df_events"],
                    lambda: nwb_utils.create_df_events(nwb, verbose=False),
                    lambda df: {"rows": len(df), "events": sorted(df["event"].unique().tolist())},
                )
                steps["create_df_fip"] = {}
                _run(
                    steps["create_df_fip"],
                    lambda: nwb_utils.create_df_fip(nwb, verbose=False),
                    lambda df: {"rows": len(df), "events": sorted(df["event"].unique().tolist())},
                )
        finally:
            reader.close()
    result["warnings"] = [_warning_record(w) for w in caught]
    result["ok"] = all(s.get("ok") for s in steps.values())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nwb", nargs="+", help="NWB files (HDF5) or folders (Zarr)")
    args = parser.parse_args()
    results = [check(p) for p in args.nwb]
    json.dump({"files": results}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
