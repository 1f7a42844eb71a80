"""Reference side of `npm run bench:analysis` (bench/analysis.ts): the lab's per-mouse grouped
analysis on one mouse's sessions, stage by stage, timed.

    bash scripts/reference/run.sh scripts/reference/bench_analysis.py --files files.json \
        --channels G_1_dff-bright_mc-iso-IRLS,G_2_dff-bright_mc-iso-IRLS --preprocessing dff-bright_mc-iso-IRLS \
        --params ours.json --fit-sessions 1 --out-dir DIR --report report.json

Stages, as the wrapper runs them (science-spec A-D; the unpublished rachel-analysis-utils glue
written from the spec, see science_photometry.py):
- read: per file, data-utils load_nwb_from_filename, create_df_session, create_df_trials,
  create_df_fip(tidy) filtered to the channels, create_df_events (get_all_df_for_nwb's loop,
  each file opened once), then the mouse's tables concatenated;
- fit: the models package's MLE fit (ForagerQLearning.fit: differential evolution + L-BFGS-B) of
  the first --fit-sessions sessions. It takes 30-80 s per session, so the other sessions' fit
  time is EXTRAPOLATED from the measured seconds per finished trial (or --ms-per-trial, measured
  on another mouse, when no session is fitted here), and their latents come from the package's
  forward pass at OUR fitted parameters (--params, {ses_idx: {model, params}});
- numeric: get_foraging_model_info (docDB lookup stubbed with those latents), enrich_df_trials_fm,
  enrich_fip_in_df_trials, remove_tonic_df_fip, the data-column rename, au.enrich_df_trials,
  basic-analysis get_average_signal_window per channel and session, per-session RPE slopes;
- figures: avg_lastN_sess / all_sess / weekly grids of basic-analysis
  plot_fip_psth_compare_alignments panels (choice, outcome, RPE bins, Q-chosen bins) plus the
  baseline-vs-reward-history bars, saved as PNG and SVG;
- outputs: per-session df_trials / df_events / df_fip Parquet, rpe_slope.csv, df_sess.csv.
Report: seconds per stage, import time, counts, peak RSS (ru_maxrss).
"""

import argparse
import contextlib
import json
import os
import resource
import sys
import time
import warnings

started = time.perf_counter()
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from aind_dynamic_foraging_basic_analysis.metrics import trial_metrics  # noqa: E402
from aind_dynamic_foraging_basic_analysis.plot import plot_fip  # noqa: E402
from aind_dynamic_foraging_data_utils import code_ocean_utils as co_utils  # noqa: E402
from aind_dynamic_foraging_data_utils import nwb_utils  # noqa: E402
from aind_dynamic_foraging_models.generative_model import ForagerQLearning  # noqa: E402

from grouped_pipeline import FIXED, MODELS, enrich_trials_and_fip  # noqa: E402
from science_photometry import Nwb, rpe_slopes  # noqa: E402

IMPORT_S = time.perf_counter() - started
TW = [-1, 4]
CHOICE = "choice_time_in_session"


class Stages:
    def __init__(self):
        self.seconds = {}

    @contextlib.contextmanager
    def __call__(self, name):
        t = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t


def read(files, channels):
    sess, trials, fips, events = [], [], [], []
    for path in files:
        nwb = nwb_utils.load_nwb_from_filename(path)
        sess.append(nwb_utils.create_df_session(nwb))
        trials.append(nwb_utils.create_df_trials(nwb))
        fip = nwb_utils.create_df_fip(nwb, tidy=True)
        fip = fip[fip["event"].isin(channels)] if fip is not None else []
        if len(fip):
            fips.append(fip)
        ev = nwb_utils.create_df_events(nwb)
        ev["ses_idx"] = os.path.basename(path).replace("behavior_", "").rsplit("_", 1)[0]
        events.append(ev)
    df_fip = pd.concat(fips).reset_index(drop=True) if fips else None
    return (pd.concat(sess).reset_index(drop=True), pd.concat(trials).reset_index(drop=True), df_fip,
            pd.concat(events).reset_index(drop=True))


def histories(df_trials):
    out = {}
    for ses, df in df_trials.groupby("ses_idx", sort=False):
        finished = df["animal_response"] < 2
        choices = df.loc[finished, "animal_response"].to_numpy().astype(float)
        rewards = (df["rewarded_historyL"] | df["rewarded_historyR"])[finished].to_numpy().astype(float)
        out[ses] = (choices, rewards)
    return out


def fit_models(model, hist, ours, fit_sessions):
    """Package fits for the first sessions; forward passes at our parameters for the rest."""
    fits, latents, fit_s, fitted_trials, other_trials = {}, {}, 0.0, 0, 0
    for k, (ses, (choices, rewards)) in enumerate(hist.items()):
        forager = ForagerQLearning(seed=0, **MODELS[model])
        if k < fit_sessions:
            t = time.perf_counter()
            result, _ = forager.fit(choices, rewards, DE_kwargs={"workers": 1, "seed": k})
            fit_s += time.perf_counter() - t
            fitted_trials += len(choices)
            params = {k2: float(v) for k2, v in result.params.items()}
        else:
            params = {k2: v for k2, v in ours[ses]["params"].items() if k2 not in FIXED.get(model, set())}
            forager.set_params(**params)
            forager.perform_closed_loop(choices, rewards)
            other_trials += len(choices)
        fits[ses] = {"params": params, "latents": forager.get_latent_variables(), "n_trials": len(choices)}
    return fits, fit_s, fitted_trials, other_trials


def enrich(df_sess, df_trials, df_fip, fits, model, channels, preprocessing):
    def lookup(subject_id, session_date, agent_alias):  # the docDB query, answered from `fits`
        f = fits.get(f"{subject_id}_{session_date}")
        return None if f is None else pd.DataFrame(
            [{"params": dict(f["params"]), "latent_variables": f["latents"], "n_trials": f["n_trials"]}])

    co_utils.get_mle_model_fitting = lookup
    df_trials, df_fip = enrich_trials_and_fip(df_trials, df_fip, df_sess, model, preprocessing)
    slopes = []
    if df_fip is None:
        return df_trials, df_fip, slopes
    for ch in channels:
        out_col = f"avg_data_z_norm_{ch.split('_dff')[0]}_choice_time"
        parts = []
        for ses, df in df_trials.groupby("ses_idx", sort=True):
            fip = df_fip[df_fip["ses_idx"] == ses]
            if ch not in set(fip["event"]):
                continue
            df = trial_metrics.get_average_signal_window(
                Nwb(ses, df, fip), alignment_event=CHOICE, offsets=[0.33, 1], channel=ch,
                data_column="data_z_norm", output_col=out_col,
            )
            parts.append(df[["ses_idx", "trial", out_col]])
            s = rpe_slopes(df, out_col)
            subject, date = ses.split("_")
            slopes.append({"subject_id": subject, "date": date, "channel": ch,
                           "slope (RPE >= 0)": s["pos"]["slope"], "slope (RPE < 0)": s["neg"]["slope"]})
        if parts:
            df_trials = df_trials.merge(pd.concat(parts), on=["ses_idx", "trial"], how="left")
    return df_trials, df_fip, slopes


def panels_row(axes, nwbs, channel, key, error_type):
    """The five panels of one figure row on these sessions (spec D)."""
    def times(mask_of):
        return [{lab: nwb.df_trials.loc[mask, CHOICE].dropna().to_numpy() for lab, mask in mask_of(nwb.df_trials).items()}
                for nwb in nwbs]

    groups = [
        times(lambda t: {"left": t.animal_response == 0, "right": t.animal_response == 1, "ignore": t.animal_response == 2}),
        times(lambda t: {"rewarded": t.earned_reward.astype(bool), "unrewarded": ~t.earned_reward.astype(bool)}),
        times(lambda t: {str(c): t["RPE-binned3"] == c for c in t["RPE-binned3"].cat.categories}),
        times(lambda t: {str(c): t["Qch-binned3"] == c for c in t["Qch-binned3"].cat.categories}),
    ]
    for ax, alignments in zip(axes, groups):
        plot_fip.plot_fip_psth_compare_alignments(
            nwbs if len(nwbs) > 1 else nwbs[0], alignments if len(nwbs) > 1 else alignments[0], channel, tw=TW,
            ax=ax, censor=True, data_column="data_z", error_type=error_type,
        )
    frames = [pd.DataFrame({"ses_idx": n.session_id, "x": n.df_trials["num_reward_past"].shift(1),
                            "y": n.df_trials[f"data_z_{key}_baseline"]}) for n in nwbs]
    df = pd.concat(frames).query("x > -7 and x < 7")
    if len(nwbs) > 1:
        df = df.groupby(["ses_idx", "x"])["y"].mean().reset_index()
    agg = df.groupby("x")["y"].agg(["mean", "sem"])
    axes[4].bar(agg.index, agg["mean"], yerr=agg["sem"])
    axes[4].set_xlabel("num_reward_past (previous trial)")


def grid(path, rows, channel, key, title, extra_top=None):
    n = len(rows) + (1 if extra_top else 0)
    fig, axes = plt.subplots(n, 5, figsize=(25, 4 * n), squeeze=False)
    if extra_top:
        extra_top(axes[0])
    for r, (label, nwbs) in enumerate(rows, start=1 if extra_top else 0):
        panels_row(axes[r], nwbs, channel, key, "sem_over_sessions" if len(nwbs) > 1 else "sem")
        axes[r][0].set_ylabel(label)
    fig.suptitle(title)
    fig.savefig(f"{path}.png")
    fig.savefig(f"{path}.svg")
    plt.close(fig)


def figures(out, subject, nwbs, channels, preprocessing, slopes, last_n, plot_types, df_sess):
    names = []
    keys = {ch: ch.replace(f"_{preprocessing}", "") for ch in channels}
    if "avg_lastN_sess" in plot_types:
        path = os.path.join(out, f"avg_signal_{subject}")
        fig, axes = plt.subplots(len(channels), 5, figsize=(25, 4 * len(channels)), squeeze=False)
        for r, ch in enumerate(channels):
            last = [n for n in nwbs if ch in set(n.df_fip["event"])][-last_n:]
            panels_row(axes[r], last, ch, keys[ch], "sem_over_sessions" if len(last) > 1 else "sem")
        fig.savefig(f"{path}.png")
        fig.savefig(f"{path}.svg")
        plt.close(fig)
        names.append(path)
    for ch in channels:
        if "all_sess" in plot_types:
            path = os.path.join(out, f"all_sess_PSTH_{subject}_{ch}")
            grid(path, [(n.session_id, [n]) for n in nwbs], ch, keys[ch], f"{subject} {ch}")
            names.append(path)
        if "weekly" in plot_types:
            weeks = {}
            for n in nwbs:
                weeks.setdefault(int(n.week), []).append(n)
            s = pd.DataFrame([x for x in slopes if x["channel"] == ch])

            def slope_row(axes, s=s):
                x = pd.to_datetime(s["date"]).map(pd.Timestamp.toordinal).to_numpy()
                for ax, col in zip(axes, ["slope (RPE >= 0)", "slope (RPE < 0)"]):
                    y = s[col].to_numpy(dtype=float)
                    ax.scatter(x, y)
                    ok = ~np.isnan(y)
                    if ok.sum() > 1:
                        ax.plot(x, np.polyval(np.polyfit(x[ok], y[ok], 1), x))
                    ax.set_title(f"Average slope = {np.nanmean(y):.3f}")

            path = os.path.join(out, f"weekly_{subject}_{ch}")
            grid(path, [(f"Week {w}", ns) for w, ns in sorted(weeks.items())], ch, keys[ch], f"{subject} {ch}", slope_row)
            names.append(path)
    return names


def write_outputs(out, subject, df_sess, df_trials, df_events, df_fip, slopes):
    for ses, df in df_trials.groupby("ses_idx"):
        d = os.path.join(out, "data", subject, ses)
        os.makedirs(d, exist_ok=True)
        df.drop(columns=[c for c in df.columns if df[c].dtype == object and df[c].map(type).eq(np.ndarray).any()]) \
            .to_parquet(os.path.join(d, "df_trials.parquet"))
        ev = df_events[df_events["ses_idx"] == ses].copy()
        ev["data"] = ev["data"].astype(str)
        ev.to_parquet(os.path.join(d, "df_events.parquet"))
        if df_fip is not None:
            df_fip[df_fip["ses_idx"] == ses].to_parquet(os.path.join(d, "df_fip.parquet"))
    pd.DataFrame(slopes).to_csv(os.path.join(out, "data", subject, "rpe_slope.csv"))
    df_sess.to_csv(os.path.join(out, "data", f"df_sess_{subject}.csv"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", required=True)
    ap.add_argument("--channels", required=True)
    ap.add_argument("--preprocessing", required=True)
    ap.add_argument("--params", required=True)
    ap.add_argument("--fit-sessions", type=int, required=True)
    ap.add_argument("--ms-per-trial", type=float, default=float("nan"),
                    help="package fit time per finished trial to extrapolate with when --fit-sessions is 0")
    ap.add_argument("--model", default="QLearning_L2F1_CKfull_softmax")
    ap.add_argument("--plot-types", default="avg_lastN_sess,all_sess,weekly")
    ap.add_argument("--last-n", type=int, default=5)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    with open(args.files) as f:
        files = json.load(f)
    with open(args.params) as f:
        ours = json.load(f)
    channels = args.channels.split(",")
    os.makedirs(args.out_dir, exist_ok=True)
    stage = Stages()
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with stage("read"):
            df_sess, df_trials, df_fip, df_events = read(files, channels)
        subject = str(df_sess["subject_id"].iloc[0])
        hist = histories(df_trials)
        with stage("fit"):
            fits, fit_s, fitted_trials, other_trials = fit_models(args.model, hist, ours, args.fit_sessions)
        with stage("numeric"):
            df_trials, df_fip, slopes = enrich(df_sess, df_trials, df_fip, fits, args.model, channels, args.preprocessing)
            first = pd.to_datetime(df_sess["session_date"]).min()
            week = {s: (pd.Timestamp(s.split("_")[1]) - first).days // 7 + 1 for s in df_trials["ses_idx"].unique()}
        names = []
        with stage("figures"):
            if df_fip is not None:
                nwbs = []
                for ses in sorted(set(df_fip["ses_idx"]), key=lambda s: s.split("_")[1]):
                    n = Nwb(ses, df_trials[df_trials["ses_idx"] == ses], df_fip[df_fip["ses_idx"] == ses])
                    n.df_events = df_events[df_events["ses_idx"] == ses]
                    n.week = week[ses]
                    nwbs.append(n)
                names = figures(args.out_dir, subject, nwbs, channels, args.preprocessing, slopes, args.last_n,
                                args.plot_types.split(","), df_sess)
        with stage("outputs"):
            write_outputs(args.out_dir, subject, df_sess, df_trials, df_events, df_fip, slopes)
    per_trial = fit_s / fitted_trials if fitted_trials else args.ms_per_trial / 1000
    report = {
        "stagesMs": {k: v * 1000 for k, v in stage.seconds.items()},
        "fit": {"sessionsFitted": min(args.fit_sessions, len(hist)), "sessions": len(hist), "measuredMs": fit_s * 1000,
                "msPerTrial": per_trial * 1000, "extrapolatedMs": (fit_s + per_trial * other_trials) * 1000},
        "importMs": IMPORT_S * 1000,
        "sessions": len(hist),
        "slopeRows": len(slopes),
        "figures": len(names),
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    with open(args.report, "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
