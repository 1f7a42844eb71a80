"""The lab's per-session pipeline, on the lab's own functions (copied and adapted from
scripts/reference/grouped_pipeline.py and science_photometry.py, the harness the TypeScript plugin
is cross-checked against):

- aind-dynamic-foraging-data-utils: ``nwb_utils.load_nwb_from_filename``, ``create_df_session``,
  ``create_df_trials``, ``create_df_events``, ``create_df_fip(tidy=True)``;
  ``code_ocean_utils.get_foraging_model_info`` (the lab's document-database lookup replaced by
  the given fit: parameters, and the latents of the models package's forward pass at them);
  ``enrich_dfs.enrich_df_trials_fm``, ``enrich_fip_in_df_trials``, ``remove_tonic_df_fip``;
- aind-dynamic-foraging-basic-analysis: ``trial_metrics.get_average_signal_window`` (response
  window per trial), ``plot_fip.fip_psth_multiple_inner_compute`` (PSTH numbers of the figures);
- what lives in the unpublished rachel-analysis-utils (``au.enrich_df_trials``, the RPE-slope
  regression of ``au.add_AUC_and_rpe_slope``, the loader's column rename) is written as the
  reference harness writes it, from the spec (shared/notes/science-spec.md sections A-C).

The lab's bugs are kept (docs/science.md: F1, the last trial has no photometry window; F14, the
tidy merge pairs samples that share a timestamp).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
from scipy import stats

from aind_dynamic_foraging_basic_analysis.metrics import trial_metrics
from aind_dynamic_foraging_basic_analysis.plot import plot_fip
from aind_dynamic_foraging_data_utils import code_ocean_utils as co_utils
from aind_dynamic_foraging_data_utils import enrich_dfs, nwb_utils

#: The lab's functions print progress, patch a module attribute (the fit lookup) and are run
#: under warnings filters: process-wide state, so one session at a time per worker process.
LAB_LOCK = threading.Lock()

CHOICE_LABELS = ("left", "right", "ignore")
RPE_LABELS = ("-1.0", "-0.67", "-0.33", "-0.0", "0.33", "0.67")
QCH_LABELS = tuple(f"{r} ({b})" for r in ("R-", "R+") for b in ("Qch 0", "Qch 0.33", "Qch 0.66"))


class Nwb:
    """The nwb-like object the lab's functions take (session_id, df_trials, df_fip)."""

    def __init__(self, session_id: str, df_trials: pd.DataFrame, df_fip: pd.DataFrame) -> None:
        self.session_id = session_id
        self.df_trials = df_trials
        self.df_fip = df_fip


@contextlib.contextmanager
def lab_code(caught: list[str]) -> Iterator[None]:
    """Runs the lab's code: one session at a time, its prints off stdout (the worker's log
    lines), its UserWarnings collected into ``caught`` (library housekeeping noise dropped)."""
    with LAB_LOCK, contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for w in seen:
                if issubclass(w.category, UserWarning) and not issubclass(w.category, (DeprecationWarning, ResourceWarning)):
                    text = " ".join(str(w.message).split())
                    if text not in caught:
                        caught.append(text)


def series_name(key: str, preprocessing: str) -> str:
    """The NWB series of a channel under a preprocessing (``raw``: the bare channel)."""
    return key if preprocessing == "raw" else f"{key}_{preprocessing}"


def avg_column(data_column: str, series: str, alignment_event: str) -> str:
    """The reference's average-window column: ``avg_{data_column}_{series up to _dff}_{event}``."""
    return f"avg_{data_column}_{series.split('_dff')[0]}_{alignment_event}"


@dataclass
class SessionTables:
    """What the lab's readers give for one session (data-utils ``nwb_utils``)."""

    nwb: Any
    df_session: pd.DataFrame
    df_trials: pd.DataFrame
    df_events: pd.DataFrame
    #: Tidy df_fip of every FIP series, or None when the file has none.
    df_fip: pd.DataFrame | None


def read_session(path: str) -> SessionTables:
    nwb = nwb_utils.load_nwb_from_filename(path)
    df_session = nwb_utils.create_df_session(nwb)
    df_trials = nwb_utils.create_df_trials(nwb)
    df_events = nwb_utils.create_df_events(nwb)
    try:
        df_fip = nwb_utils.create_df_fip(nwb, tidy=True)
    except ValueError as e:
        # create_df_fip concatenates nothing when the file has no FIP series at all
        if "No objects to concatenate" not in str(e):
            raise
        df_fip = None
    return SessionTables(nwb, df_session, df_trials, df_events, df_fip)


def _fip_series(nwb: Any, name: str) -> Any:
    """A FIP series as create_df_fip finds it (acquisition, or processing/fiber_photometry)."""
    if name in nwb.acquisition:
        return nwb.acquisition[name]
    return nwb.processing["fiber_photometry"].data_interfaces[name]


def in_file_order(df_fip: pd.DataFrame, nwb: Any, series_order: list[str]) -> pd.DataFrame:
    """The rows of create_df_fip for the analysed channels, samples of a channel in the file's
    order, channels at equal times in ``series_order``.

    create_df_fip sorts series concatenated in Python-set order with an unstable sort, so samples
    of one series sharing a timestamp (older "_preprocessed" series store two per timestamp,
    docs/science.md F14) come out in an order that depends on the interpreter's hash seed, and the
    lab's tidy merge and response windows depend on that order. Putting them back in the file's
    order makes a run reproducible; the rows themselves are the lab's.
    """
    sample = np.zeros(len(df_fip), dtype=np.int64)
    for name in series_order:
        rows = np.flatnonzero((df_fip["event"] == name).to_numpy())
        series = _fip_series(nwb, name)
        raw = np.asarray(series.timestamps[:], dtype=float)
        data = np.asarray(series.data[:], dtype=float)
        kept = np.flatnonzero(~np.isnan(raw))  # create_df_fip drops samples without a time
        ours_raw = df_fip["raw_timestamps"].to_numpy()[rows]
        ours_data = df_fip["data"].to_numpy(dtype=float)[rows]
        ours = np.lexsort((ours_data, ours_raw))
        theirs = kept[np.lexsort((data[kept], raw[kept]))]
        if len(ours) != len(theirs) or not (
            np.array_equal(ours_raw[ours], raw[theirs]) and np.array_equal(ours_data[ours], data[theirs], equal_nan=True)
        ):
            raise ValueError(f"df_fip rows of {name} are not the samples of the file's series")
        sample[rows[ours]] = theirs
    rank = df_fip["event"].map({s: i for i, s in enumerate(series_order)}).to_numpy()
    order = np.lexsort((sample, rank, df_fip["timestamps"].to_numpy()))
    return df_fip.iloc[order].reset_index(drop=True)


def finished_history(df_trials: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Choices (0 left, 1 right) and earned rewards of the finished trials (the fitted history)."""
    finished = df_trials["animal_response"] < 2
    choices = df_trials.loc[finished, "animal_response"].to_numpy().astype(float)
    rewards = (df_trials["rewarded_historyL"] | df_trials["rewarded_historyR"])[finished].to_numpy().astype(float)
    return choices, rewards


def model_info(
    df_trials: pd.DataFrame, df_session: pd.DataFrame, model: str, fit: dict[str, Any] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``code_ocean_utils.get_foraging_model_info`` with the lab's fitting-results lookup
    (``get_mle_model_fitting``, docDB + S3) answered by ``fit`` ({params, latent_variables,
    n_trials}).

    None = no fit: the lookup answers an empty fit, which the lab's code skips as not matching
    the session's trials (the model columns stay NaN). Answering "nothing found" would be the
    same for the trials, but the lab's code then fails on a table of sessions none of which has
    a fit (its empty parameters table has no ``ses_idx`` to merge on)."""
    if fit is None:
        empty = np.zeros((2, 0))
        fit = {"params": {}, "latent_variables": {"q_value": empty, "choice_kernel": empty, "choice_prob": empty}, "n_trials": 0}
    found = pd.DataFrame([{**fit, "params": dict(fit["params"])}])
    with mock.patch.object(co_utils, "get_mle_model_fitting", lambda **kw: found):
        return co_utils.get_foraging_model_info(df_trials, df_session, model_name=model)


def enrich_df_trials_from_spec(df: pd.DataFrame) -> pd.DataFrame:
    """``au.enrich_df_trials`` (spec B), as scripts/reference/science_photometry.py writes it."""
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


def rpe_slopes(df: pd.DataFrame, avg_col: str) -> dict[str, dict[str, Any]]:
    """``au.get_RPE_by_avg_signal_fit``: OLS of the response on RPE_earned, separately for
    RPE >= 0 and RPE < 0 (scipy ``linregress``; too few distinct points: NaN)."""
    data = df.dropna(subset=[avg_col, "RPE_earned"])
    out: dict[str, dict[str, Any]] = {}
    for name, part in (("pos", data[data["RPE_earned"] >= 0]), ("neg", data[data["RPE_earned"] < 0])):
        try:
            lr = stats.linregress(part["RPE_earned"].values, part[avg_col].values)
            out[name] = {"slope": float(lr.slope), "intercept": float(lr.intercept), "n": len(part)}
        except ValueError:
            out[name] = {"slope": float("nan"), "intercept": float("nan"), "n": len(part)}
    return out


def psth_by_label(
    ses_idx: str, df_trials: pd.DataFrame, df_fip: pd.DataFrame, series: str, alignment: str, labels: pd.Series,
    names: tuple[str, ...], window: tuple[float, float], data_column: str = "data_z",
) -> dict[str, Any]:
    """Per label, the PSTH the lab's figures draw (basic-analysis
    ``fip_psth_multiple_inner_compute``: event-triggered responses on a 40 Hz grid, censored by
    the panel's other events, averaged over events); labels without events are None."""
    times = df_trials[alignment].to_numpy()
    groups = {n: times[(labels == n).to_numpy() & ~np.isnan(times)] for n in names}
    present = [n for n in names if len(groups[n])]
    out: dict[str, Any] = {"time": None, "mean": {n: None for n in names}, "n": {n: len(groups[n]) for n in names}}
    if not present:
        return out
    censor_times = [np.sort(np.concatenate([groups[n] for n in present]))]
    nwb = Nwb(ses_idx, df_trials, df_fip)
    for n in present:
        res, _ = plot_fip.fip_psth_multiple_inner_compute(
            [nwb], [groups[n]], series, True, list(window), True, censor_times, data_column
        )
        out["time"] = res.index.to_numpy().tolist()
        out["mean"][n] = res[data_column].to_numpy().tolist()
    return out


@dataclass
class ChannelResult:
    key: str
    series: str
    avg_column: str
    slopes: dict[str, dict[str, Any]] | None
    psth_rpe: dict[str, Any] = field(default_factory=dict)


@dataclass
class PipelineResult:
    df_trials: pd.DataFrame
    df_fip: pd.DataFrame | None
    channels: list[ChannelResult]
    missing: list[tuple[str, str]]


def run_pipeline(
    tables: SessionTables,
    *,
    channels: list[str],
    preprocessing: str,
    model: str,
    fit: dict[str, Any] | None,
    alignment_event: str,
    data_column: str,
    signal_window: tuple[float, float],
    psth_window: tuple[float, float],
) -> PipelineResult:
    """The loader's enrichment (RAU.get_nwb_processed, au.enrich_df_trials) and the per-session
    part of au.add_AUC_and_rpe_slope, for one session."""
    df_trials = tables.df_trials
    ses_idx = str(df_trials["ses_idx"].iloc[0])
    wanted = [(key, series_name(key, preprocessing)) for key in channels]
    available = set(tables.df_fip["event"].unique()) if tables.df_fip is not None else set()
    present = [(k, s) for k, s in wanted if s in available]
    missing = [(k, s) for k, s in wanted if s not in available]

    df_trials, _ = model_info(df_trials, tables.df_session, model, fit)
    df_trials = enrich_dfs.enrich_df_trials_fm(df_trials)
    df_fip = None
    if present:
        # as code_ocean_utils.get_all_df_for_nwb: the requested channels, index reset (and, for a
        # reproducible run, each channel's samples in the file's order: see in_file_order)
        df_fip = tables.df_fip[tables.df_fip["event"].isin([s for _, s in present])].reset_index(drop=True)
        df_fip = in_file_order(df_fip, tables.nwb, [s for _, s in present])
        df_fip, df_trials_fip = enrich_dfs.enrich_fip_in_df_trials(df_fip, df_trials)
        df_fip, df_trials, _ = enrich_dfs.remove_tonic_df_fip(df_fip, df_trials, df_trials_fip)
        # RAU.get_nwb_processed: data* columns lose "_{preprocessing}"
        df_trials = df_trials.rename(
            columns={c: c.replace(f"_{preprocessing}", "") for c in df_trials.columns if c.startswith("data")}
        )
    df_trials = enrich_df_trials_from_spec(df_trials)

    results = []
    for key, series in present:
        out_col = avg_column(data_column, series, alignment_event)
        df_trials = trial_metrics.get_average_signal_window(
            Nwb(ses_idx, df_trials, df_fip), alignment_event=f"{alignment_event}_in_session",
            offsets=list(signal_window), channel=series, data_column=data_column, output_col=out_col,
        )
        s = rpe_slopes(df_trials, out_col)
        results.append(ChannelResult(key, series, out_col, s if s["pos"]["n"] + s["neg"]["n"] > 0 else None))
    for c in results:
        c.psth_rpe = psth_by_label(
            ses_idx, df_trials, df_fip, c.series, f"{alignment_event}_in_session",
            df_trials["RPE-binned3"].astype(object), RPE_LABELS, psth_window,
        )
    return PipelineResult(df_trials, df_fip, results, missing)
