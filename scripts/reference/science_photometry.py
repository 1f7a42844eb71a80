"""Reference numbers for the photometry / trial-enrichment cross-check (test/crosscheck/science).

    bash scripts/reference/run.sh scripts/reference/science_photometry.py \
        --nwb test/fixtures/real-nwb/behavior_717531_2024-08-07_09-01-02.nwb --out /tmp/sp.json

Runs the lab's own functions on one real session:
- data-utils `nwb_utils.create_df_trials` / `create_df_fip(tidy=True)` (inputs),
- `code_ocean_utils.get_foraging_model_info` with the docDB lookup replaced by a stub that returns
  latents from a forward pass of aind-dynamic-foraging-models' ForagerQLearning at fixed
  parameters (docDB / S3 are not reachable; the mapping onto trials is the lab's code),
- `enrich_dfs.enrich_df_trials_fm`, `enrich_fip_in_df_trials`, `remove_tonic_df_fip`,
- `alignment.event_triggered_response`, basic-analysis `trial_metrics.get_average_signal_window`
  and `plot_fip.fip_psth_multiple_inner_compute` (the PSTH numbers behind the figures).
`au.enrich_df_trials`, the baseline bars and the RPE-slope selection live in the unpublished
rachel-analysis-utils / wrapper; they are written here in pandas from the spec (section B, C, D).

A second "session" for the across-session statistics is the fixture's other fiber
(G_2_preprocessed) relabelled as the analysed channel: real data, same trials.

Writes one JSON document (NaN -> null, floats as shortest repr so the TypeScript side can compare
to the bit).
"""

import argparse
import contextlib
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from aind_dynamic_foraging_data_utils import alignment, enrich_dfs, nwb_utils
from aind_dynamic_foraging_data_utils import code_ocean_utils as co_utils
from aind_dynamic_foraging_basic_analysis.metrics import trial_metrics
from aind_dynamic_foraging_basic_analysis.plot import plot_fip
from aind_dynamic_foraging_models.generative_model import ForagerQLearning

MODEL = "QLearning_L2F1_CKfull_softmax"
# Fixed, plausible parameters (the fit itself is not what this cross-check is about).
PARAMS = dict(
    learn_rate_rew=0.45,
    learn_rate_unrew=0.2,
    forget_rate_unchosen=0.1,
    choice_kernel_step_size=0.3,
    choice_kernel_relative_weight=0.25,
    biasL=0.2,
    softmax_inverse_temperature=6.0,
)
TW = [-1, 4]
OFFSETS = [0.33, 1]
SECOND_SESSION = "B"


def clean(v):
    """JSON-safe copy: NaN/None -> null, numpy scalars/arrays -> Python."""
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else ("inf" if f == math.inf else "-inf" if f == -math.inf else f)
    return str(v)


def col(s):
    return clean(np.asarray(s.to_numpy(dtype=float, na_value=np.nan)))


class Nwb:
    """The nwb-like object the lab's functions take (df_trials, df_fip, session_id)."""

    def __init__(self, session_id, df_trials, df_fip):
        self.session_id = session_id
        self.df_trials = df_trials
        self.df_fip = df_fip


def forward_latents(df_trials):
    finished = df_trials["animal_response"] < 2
    choices = df_trials.loc[finished, "animal_response"].to_numpy().astype(float)
    rewards = (df_trials["rewarded_historyL"] | df_trials["rewarded_historyR"])[finished].to_numpy()
    forager = ForagerQLearning(
        number_of_learning_rate=2, number_of_forget_rate=1, choice_kernel="full",
        action_selection="softmax", seed=0,
    )
    forager.set_params(**PARAMS)
    forager.perform_closed_loop(choices, rewards.astype(float))
    return forager.get_latent_variables(), int(finished.sum())


def enrich_df_trials_from_spec(df):
    """`au.enrich_df_trials` (spec B), written from the spec in pandas."""
    df["reward_all"] = df["earned_reward"].astype(bool) | df["extra_reward"].astype(bool)
    df["rewarded_prev"] = df.groupby("ses_idx")["reward_all"].shift(1)
    run = (df["rewarded_prev"] != df["reward_all"]).cumsum()
    df["num_reward_past"] = df.groupby(run).cumcount() + 1
    df.loc[~df["reward_all"], "num_reward_past"] *= -1
    edges = np.arange(-1, 1.01, 1 / 3)
    edges[-1] = 1.001
    labels = [str(np.round(i, 2)) for i in np.arange(-1, 0.99, 1 / 3)]
    df["RPE-binned3"] = pd.cut(df["RPE_earned"], bins=edges, right=True, labels=labels)
    q = pd.cut(df["Q_chosen"], bins=[0.0, 1 / 3, 2 / 3, 1.01], labels=["Qch 0", "Qch 0.33", "Qch 0.66"],
               include_lowest=True, right=True)
    rew = df["earned_reward"].map({True: "R+", False: "R-"})
    cats = [f"{r} ({b})" for r in ("R-", "R+") for b in ("Qch 0", "Qch 0.33", "Qch 0.66")]
    lab = pd.Series(np.where(q.isna(), None, rew.astype(str) + " (" + q.astype(str) + ")"), index=df.index)
    df["Qch-binned3"] = pd.Categorical(lab, categories=cats, ordered=True)
    prev_choice = df.groupby("ses_idx")["animal_response"].shift(1)
    df["stay"] = df["animal_response"] == prev_choice
    df["switch"] = df["animal_response"] != prev_choice
    df["response_time"] = df["choice_time_in_trial"] - df["goCue_start_time_in_trial"]
    return df


def etr_matrix(etr, y):
    """Tidy ETR -> (time grid, events x time list of lists, event times)."""
    wide = etr.pivot(index="event_number", columns="time", values=y).sort_index()
    times = etr.drop_duplicates("event_number").set_index("event_number")["event_time"].sort_index()
    return list(wide.columns), wide.to_numpy().tolist(), times.tolist()


def etr_order(df_fip, channel):
    """The channel's tidy rows in the order event_triggered_response sorts them (same call, same
    input), or None when that is the tidy order itself. The sort is not stable and the fixture
    repeats timestamps, so the TypeScript side must use this order to compare interpolations."""
    data = df_fip.query("event == @channel")
    ordered = data.sort_values(by="timestamps")
    if ordered.index.equals(data.index):
        return None
    return {c: col(ordered[c]) for c in ("timestamps", "data", "data_z", "data_z_norm")}


def psth(nwbs, groups, channel, data_column):
    """`fip_psth_multiple_inner_compute` (average=True) for each label, as the figure calls it."""
    labels = list(groups[0].keys())
    censor_times = [np.sort(np.concatenate([g[k] for k in labels])) for g in groups]
    out = {}
    for label in labels:
        res, _ = plot_fip.fip_psth_multiple_inner_compute(
            nwbs, [g[label] for g in groups], channel, True, TW, True, censor_times, data_column,
        )
        out[label] = {
            "time": clean(res.index.to_numpy()),
            "mean": col(res[data_column]),
            "sem": col(res["sem"]),
            "sem_over_sessions": col(res["sem_over_sessions"]),
        }
    return out


def baseline_bars(sessions, value_col):
    """Spec D panel 5: x = num_reward_past shifted within session, -7 < x < 7."""
    frames = []
    for ses, df in sessions:
        f = pd.DataFrame({"ses_idx": ses, "x": df["num_reward_past"].shift(1).to_numpy(), "y": df[value_col].to_numpy()})
        frames.append(f.query("x > -7 and x < 7"))
    df = pd.concat(frames)
    if len(sessions) == 1:
        agg = df.groupby("x")["y"].agg(["mean", "sem", "count"]).reset_index()
    else:
        per = df.groupby(["ses_idx", "x"])["y"].mean().reset_index()
        agg = per.groupby("x")["y"].agg(["mean", "sem", "count"]).reset_index()
    return {k: col(agg[k]) for k in ["x", "mean", "sem", "count"]}


def rpe_slopes(df, avg_col):
    data = df.dropna(subset=[avg_col, "RPE_earned"])
    out = {}
    for name, part in (("pos", data[data["RPE_earned"] >= 0]), ("neg", data[data["RPE_earned"] < 0])):
        try:
            lr = stats.linregress(part["RPE_earned"].values, part[avg_col].values)
            out[name] = {"slope": clean(lr.slope), "intercept": clean(lr.intercept), "n": len(part)}
        except ValueError:
            out[name] = {"slope": None, "intercept": None, "n": len(part)}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nwb", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--channel", default="G_1_preprocessed")
    ap.add_argument("--second-channel", default="G_2_preprocessed")
    args = ap.parse_args(argv)
    ch, ch2 = args.channel, args.second_channel

    # The lab's code prints progress: keep stdout clean for callers that read it.
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nwb = nwb_utils.load_nwb_from_filename(args.nwb)
        df_trials = nwb_utils.create_df_trials(nwb)
        fip_all = nwb_utils.create_df_fip(nwb, tidy=True)
        # as code_ocean_utils.get_all_df_for_nwb: filter to the channels, concat, reset index
        df_fip = fip_all[fip_all["event"].isin([ch, ch2])].reset_index(drop=True)
        ses_idx = df_trials["ses_idx"].iloc[0]

        latents, n_finished = forward_latents(df_trials)
        co_utils.get_mle_model_fitting = lambda **kw: pd.DataFrame(
            [{"params": dict(PARAMS), "latent_variables": latents, "n_trials": n_finished}]
        )
        df_sess = pd.DataFrame([{
            "subject_id": ses_idx.split("_")[0], "session_date": ses_idx.split("_")[1],
            "ses_idx": ses_idx, "finished_trials": n_finished,
        }])
        df_trials_fm, _ = co_utils.get_foraging_model_info(df_trials, df_sess, model_name=MODEL)
        df_enriched = enrich_dfs.enrich_df_trials_fm(df_trials_fm)
        df_fip_z, df_trials_fip = enrich_dfs.enrich_fip_in_df_trials(df_fip, df_enriched)
        df_fip_final, df_trials_final, df_trials_fip = enrich_dfs.remove_tonic_df_fip(
            df_fip_z, df_enriched, df_trials_fip
        )
        df_trials_final = enrich_df_trials_from_spec(df_trials_final)

        # Average response window (data_z_norm, choice time) per channel, as add_AUC_and_rpe_slope.
        avg = {}
        for c in (ch, ch2):
            s = Nwb(ses_idx, df_trials_final, df_fip_final)
            out_col = f"avg_{c}"
            df_trials_final = trial_metrics.get_average_signal_window(
                s, alignment_event="choice_time_in_session", offsets=OFFSETS, channel=c,
                data_column="data_z_norm", output_col=out_col,
            )
            avg[c] = col(df_trials_final[out_col])

        # Event-triggered responses at choice, data_z_norm, with both censoring modes.
        choice_times = df_trials_final["choice_time_in_session"].dropna().to_numpy()
        censor_times = np.concatenate([choice_times, df_trials_final["goCue_start_time_in_session"].to_numpy()])
        data_ch = df_fip_final.query("event == @ch")
        etr = {}
        for name, ct in (("by_events", None), ("by_censor_times", censor_times)):
            e = alignment.event_triggered_response(
                data_ch, "timestamps", "data_z_norm", choice_times, t_start=TW[0], t_end=TW[1],
                output_sampling_rate=40, censor=True, censor_times=ct,
            )
            time, values, etimes = etr_matrix(e, "data_z_norm")
            etr[name] = {"time": clean(time), "values": clean(values), "event_times": clean(etimes)}

        # PSTH panels: one session (data, sem) and two sessions (data_z, sem_over_sessions).
        fip_b = df_fip_final[df_fip_final["event"] == ch2].copy()
        fip_b["event"] = ch
        nwb_a = Nwb(ses_idx, df_trials_final, df_fip_final)
        nwb_b = Nwb(SECOND_SESSION, df_trials_final, fip_b)
        t = df_trials_final

        def by(mask):
            return t.loc[mask, "choice_time_in_session"].to_numpy()

        choice_groups = {"left": by(t.animal_response == 0), "right": by(t.animal_response == 1),
                         "ignore": by(t.animal_response == 2)}
        rpe_labels = [str(x) for x in t["RPE-binned3"].cat.categories]
        rpe_groups = {lab: by(t["RPE-binned3"] == lab) for lab in rpe_labels}
        qch_labels = [str(x) for x in t["Qch-binned3"].cat.categories]
        qch_groups = {lab: by(t["Qch-binned3"] == lab) for lab in qch_labels}
        psths = {
            "choice_data_1ses": psth([nwb_a], [choice_groups], ch, "data"),
            "choice_dataz_2ses": psth([nwb_a, nwb_b], [choice_groups, choice_groups], ch, "data_z"),
            "rpe_dataz_2ses": psth([nwb_a, nwb_b], [rpe_groups, rpe_groups], ch, "data_z"),
            "qch_dataznorm_1ses": psth([nwb_a], [qch_groups], ch, "data_z_norm"),
        }

        bars = {
            "single": baseline_bars([(ses_idx, t)], f"data_z_{ch}_baseline"),
            "multi": baseline_bars(
                [(ses_idx, t), (SECOND_SESSION, t.assign(**{f"data_z_{ch}_baseline": t[f"data_z_{ch2}_baseline"]}))],
                f"data_z_{ch}_baseline",
            ),
        }

    trial_cols = [
        "trial", "animal_response", "earned_reward", "extra_reward", "goCue_start_time_in_session",
        "goCue_start_time_in_trial", "choice_time_in_trial", "choice_time_in_session",
        "goCue_start_time_next_in_session", "goCue_start_time_next_in_trial",
        "L_prob", "R_prob", "Q_left", "Q_right", "L_kernel", "R_kernel",
        "Q_chosen", "Q_unchosen", "Q_sum", "Q_Delta", "Q_change",
        "P_chosen", "P_unchosen", "P_sum", "P_Delta", "P_change",
        "K_chosen", "K_unchosen", "K_sum", "K_Delta", "K_change",
        "Cprobstay", "RPE_earned", "RPE_all",
        "reward_all", "rewarded_prev", "num_reward_past", "stay", "switch", "response_time",
    ]
    for c in (ch, ch2):
        trial_cols += [f"data_{c}_baseline", f"data_z_{c}_baseline"]
    per_trial = {}
    for prefix in ("timestamps_in_session_", "timestamps_in_trial_", "data_", "data_z_"):
        name = f"{prefix}{ch}"
        per_trial[name] = [clean(np.asarray(v, dtype=float)) if isinstance(v, np.ndarray) else clean(v)
                           for v in df_trials_fip[name]]
    for name in (f"data_{ch}_norm", f"data_z_{ch}_norm"):
        per_trial[name] = [clean(np.asarray(v, dtype=float)) if isinstance(v, np.ndarray) else clean(v)
                           for v in df_trials_fip[name]]

    doc = {
        "nwb": args.nwb,
        "channel": ch,
        "second_channel": ch2,
        "ses_idx": ses_idx,
        "model": {"name": MODEL, "params": PARAMS, "latents": clean(latents)},
        "inputs": {
            "trials": {
                "ses_idx": df_trials["ses_idx"].tolist(),
                **{c: col(df_trials[c]) for c in [
                    "trial", "animal_response", "earned_reward", "extra_reward", "goCue_start_time_in_session",
                    "goCue_start_time_in_trial", "choice_time_in_trial", "choice_time_in_session"]},
            },
            # df_fip rows of each channel, in df_fip order
            "fip": {c: {k: col(df_fip.loc[df_fip["event"] == c, k]) for k in ("timestamps", "data")} for c in (ch, ch2)},
            "etr_order": {c: etr_order(df_fip_final, c) for c in (ch, ch2)},
            "censor_times": clean(censor_times),
        },
        "trials": {c: (df_trials_final[c].astype(object).where(df_trials_final[c].notna(), None).tolist()
                       if c in ("RPE-binned3", "Qch-binned3") else col(df_trials_final[c])) for c in trial_cols
                   + ["RPE-binned3", "Qch-binned3"]},
        "fip_z": col(df_fip_z.loc[df_fip_z["event"] == ch, "data_z"]),
        "per_trial": per_trial,
        # tidy df_fip rows of the channel (the second channel is checked through its results)
        "tidy": {k: col(df_fip_final.loc[df_fip_final["event"] == ch, k])
                 for k in ("timestamps", "data", "data_z", "data_norm", "data_z_norm")},
        "avg_window": avg,
        "etr": etr,
        "psth": psths,
        "baseline_bars": bars,
        "rpe_slopes": {c: rpe_slopes(df_trials_final, f"avg_{c}") for c in (ch, ch2)},
        "versions": {m.__name__: getattr(m, "__version__", None) for m in (np, pd)},
    }
    with open(args.out, "w") as f:
        json.dump(clean(doc), f, allow_nan=False, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
