"""Reference side of `npm run bench:io` (bench/io.ts): the lab's loading of one photometry
channel + the trials table per session, one session at a time.

    bash scripts/reference/run.sh scripts/reference/bench_io.py --files files.json --report out.json

files.json = [{"path": NWB, "channel": "G_1_preprocessed"}, ...]. Per file, timed from opening to
both tables: data-utils nwb_utils.load_nwb_from_filename, create_df_trials, and
create_df_fip(tidy=True) filtered to the channel (as code_ocean_utils.get_all_df_for_nwb does;
create_df_fip itself reads every FIP series). Report: per-file seconds and row counts, the
import time, and the process's peak RSS (ru_maxrss).
"""

import argparse
import contextlib
import gc
import json
import resource
import sys
import time
import warnings

started = time.perf_counter()
from aind_dynamic_foraging_data_utils import nwb_utils  # noqa: E402

IMPORT_S = time.perf_counter() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    with open(args.files) as f:
        files = json.load(f)
    results = []
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for item in files:
            t = time.perf_counter()
            nwb = nwb_utils.load_nwb_from_filename(item["path"])
            df_trials = nwb_utils.create_df_trials(nwb)
            df_fip = nwb_utils.create_df_fip(nwb, tidy=True)
            df_fip = df_fip[df_fip["event"] == item["channel"]]
            results.append({"ms": (time.perf_counter() - t) * 1000, "trials": len(df_trials), "fipRows": len(df_fip)})
            # One session at a time: nothing of this session is kept.
            del nwb, df_trials, df_fip
            gc.collect()
    report = {
        "files": results,
        "importMs": IMPORT_S * 1000,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    with open(args.report, "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
