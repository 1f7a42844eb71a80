"""Reference per-session trial table and rpe_slope rows for the grouped analysis cross-check
(test/crosscheck/analyses/grouped.test.ts).

    bash scripts/reference/run.sh scripts/reference/grouped_pipeline.py --nwb NWB \
        --params params.json --channels G_1_preprocessed,G_2_preprocessed --preprocessing preprocessed --out out.json

params.json = {"model": "<alias>", "params": {...}}: OUR fitted parameters. The model latents come
from aind-dynamic-foraging-models' forward pass at those parameters (so the fit itself is not
compared here), placed on trials by the lab's get_foraging_model_info (docDB lookup stubbed),
then data-utils enrich_df_trials_fm / enrich_fip_in_df_trials / remove_tonic_df_fip, the
reference's column rename, au.enrich_df_trials (written from the spec, see
science_photometry.py), basic-analysis get_average_signal_window and the per-session
linregress of au.add_AUC_and_rpe_slope.
"""

import argparse
import contextlib
import json
import sys
import warnings

import pandas as pd

from aind_dynamic_foraging_data_utils import code_ocean_utils as co_utils
from aind_dynamic_foraging_data_utils import enrich_dfs, nwb_utils
from aind_dynamic_foraging_basic_analysis.metrics import trial_metrics
from aind_dynamic_foraging_models.generative_model import ForagerQLearning

from science_photometry import Nwb, clean, col, enrich_df_trials_from_spec, rpe_slopes

# Agent settings of each model alias (models package naming).
MODELS = {
    "QLearning_L2F1_CKfull_softmax": dict(
        number_of_learning_rate=2, number_of_forget_rate=1, choice_kernel="full", action_selection="softmax"
    ),
    "QLearning_L1F1_CK1_softmax": dict(
        number_of_learning_rate=1, number_of_forget_rate=1, choice_kernel="one_step", action_selection="softmax"
    ),
}
FIXED = {"QLearning_L1F1_CK1_softmax": {"choice_kernel_step_size"}}


def forward_latents(df_trials, model, params):
    finished = df_trials["animal_response"] < 2
    choices = df_trials.loc[finished, "animal_response"].to_numpy().astype(float)
    rewards = (df_trials["rewarded_historyL"] | df_trials["rewarded_historyR"])[finished].to_numpy().astype(float)
    forager = ForagerQLearning(seed=0, **MODELS[model])
    forager.set_params(**{k: v for k, v in params.items() if k not in FIXED.get(model, set())})
    forager.perform_closed_loop(choices, rewards)
    return forager.get_latent_variables(), int(finished.sum())


def enrich_trials_and_fip(df_trials, df_fip, df_sess, model, preprocessing):
    """The loader's enrichment after the model lookup (RAU.get_nwb_processed, then
    au.enrich_df_trials), on one or many sessions; df_fip None = no photometry."""
    df_trials, _ = co_utils.get_foraging_model_info(df_trials, df_sess, model_name=model)
    df_trials = enrich_dfs.enrich_df_trials_fm(df_trials)
    if df_fip is not None:
        df_fip, df_trials_fip = enrich_dfs.enrich_fip_in_df_trials(df_fip, df_trials)
        df_fip, df_trials, _ = enrich_dfs.remove_tonic_df_fip(df_fip, df_trials, df_trials_fip)
        # RAU.get_nwb_processed: data* columns lose "_{preprocessing}"
        df_trials = df_trials.rename(
            columns={c: c.replace(f"_{preprocessing}", "") for c in df_trials.columns if c.startswith("data")}
        )
    return enrich_df_trials_from_spec(df_trials), df_fip


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nwb", required=True)
    ap.add_argument("--params", required=True)
    ap.add_argument("--channels", required=True)
    ap.add_argument("--preprocessing", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    channels = args.channels.split(",")
    with open(args.params) as f:
        fit = json.load(f)
    model, params = fit["model"], fit["params"]

    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nwb = nwb_utils.load_nwb_from_filename(args.nwb)
        df_trials = nwb_utils.create_df_trials(nwb)
        fip_all = nwb_utils.create_df_fip(nwb, tidy=True)
        df_fip = fip_all[fip_all["event"].isin(channels)].reset_index(drop=True)
        ses_idx = df_trials["ses_idx"].iloc[0]
        subject_id, date = ses_idx.split("_")

        latents, n_finished = forward_latents(df_trials, model, params)
        co_utils.get_mle_model_fitting = lambda **kw: pd.DataFrame(
            [{"params": dict(params), "latent_variables": latents, "n_trials": n_finished}]
        )
        df_sess = pd.DataFrame([{"subject_id": subject_id, "session_date": date, "ses_idx": ses_idx,
                                 "finished_trials": n_finished}])
        df_trials, df_fip = enrich_trials_and_fip(df_trials, df_fip, df_sess, model, args.preprocessing)

        slopes = []
        avg_cols = []
        for ch in channels:
            out_col = f"avg_data_z_norm_{ch.split('_dff')[0]}_choice_time"
            df_trials = trial_metrics.get_average_signal_window(
                Nwb(ses_idx, df_trials, df_fip), alignment_event="choice_time_in_session", offsets=[0.33, 1],
                channel=ch, data_column="data_z_norm", output_col=out_col,
            )
            avg_cols.append(out_col)
            s = rpe_slopes(df_trials, out_col)
            if s["pos"]["n"] + s["neg"]["n"] > 0:
                slopes.append({"subject_id": subject_id, "date": date, "channel": ch,
                               "slope (RPE >= 0)": s["pos"]["slope"], "slope (RPE < 0)": s["neg"]["slope"]})

    keys = [k for ch in channels for k in (f"data_{ch.replace('_' + args.preprocessing, '')}_baseline",
                                           f"data_z_{ch.replace('_' + args.preprocessing, '')}_baseline")]
    numeric = [
        "trial", "L_prob", "R_prob", "Q_left", "Q_right", "L_kernel", "R_kernel",
        "Q_chosen", "Q_unchosen", "Q_sum", "Q_Delta", "Q_change", "P_chosen", "P_unchosen", "P_sum", "P_Delta",
        "P_change", "K_chosen", "K_unchosen", "K_sum", "K_Delta", "K_change", "Cprobstay", "RPE_earned", "RPE_all",
        "goCue_start_time_next_in_session", "goCue_start_time_next_in_trial",
        "reward_all", "rewarded_prev", "num_reward_past", "stay", "switch", "response_time",
    ] + keys + avg_cols
    doc = {
        "ses_idx": ses_idx,
        "trials": {c: col(df_trials[c]) for c in numeric},
        "categories": {c: df_trials[c].astype(object).where(df_trials[c].notna(), None).tolist()
                       for c in ("RPE-binned3", "Qch-binned3", "choice_name")},
        "rpe_slope": slopes,
    }
    with open(args.out, "w") as f:
        json.dump(clean(doc), f, allow_nan=False, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
