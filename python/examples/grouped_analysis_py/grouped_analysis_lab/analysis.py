"""grouped-analysis-py: the lab's grouped photometry analysis in Python, on the lab's own PyPI
packages (aind-dynamic-foraging-data-utils, -basic-analysis, -models; see pipeline.py).

Session-group mode:

- ``per_session`` builds the session's tables with the lab's functions, enriched with the fitted
  Q-learning model's values (parameters from a ``fit_source`` file, or the lab's own fitter),
  and writes them under the TypeScript plugin's names: ``sessions/<ses_idx>/df_trials.parquet``,
  ``df_events.parquet`` and, with photometry, ``df_fip.parquet``;
- ``group`` writes the mouse's ``sessions`` table, its ``rpe_slope`` table (CSV and Parquet) and
  one figure (per channel: the response by RPE bin over the last sessions, and the RPE slopes
  over sessions).

Parameters mirror the TypeScript plugin grouped-analysis's (same names and defaults), for those
that apply here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import matplotlib
import numpy as np
import pandas as pd
from dateutil.tz import tzlocal
from matplotlib.figure import Figure  # the object API: thread-safe, unlike pyplot
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from grouped_analysis_py import Analysis, InvalidInput, RunContext, SessionInput

from . import fits, pipeline, tables

CHANNEL_NAME = re.compile(r"^(G|R|Iso)_[0-9]+(_.+)?$")
# Constraints in the JSON Schema are checked by the dispatcher before anything starts (the
# validators below only by the worker): channel names, bounds, the fit file's extension.
ChannelName = Annotated[str, StringConstraints(pattern=CHANNEL_NAME.pattern)]
Location = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Bound = Annotated[float, Field(ge=-60, le=60)]
Window = tuple[Bound, Bound]


def _window(description: str, default: Window) -> Any:
    return Field(default, description=f"{description} [start, end] in seconds.")


class Parameters(BaseModel):
    """Parameters of grouped-analysis-py (defaults apply to whatever a job leaves out)."""

    model_config = ConfigDict(extra="forbid")

    channels: dict[ChannelName, Location] = Field(
        # a name outside the pattern is refused, not merely left unchecked
        json_schema_extra={"additionalProperties": False},
        description='Photometry channels to analyse: channel name -> brain location / indicator, e.g. {"G_1": "NAc dLight", "R_1": "VTA rAAV"}; {} for a mouse without photometry (behaviour tables only; rpe_slope has no rows).',
    )
    preprocessing: str = Field(
        "dff-bright_mc-iso-IRLS",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
        description='Photometry preprocessing whose traces are analysed: the NWB series is <channel>_<preprocessing> (e.g. G_1_dff-bright_mc-iso-IRLS); "raw" uses the bare channel.',
    )
    fitted_model: Literal["QLearning_L2F1_CKfull_softmax", "QLearning_L1F1_CK1_softmax"] = Field(
        "QLearning_L2F1_CKfull_softmax", description="Q-learning model whose values and reward-prediction errors enrich the trials."
    )
    fit_source: str = Field(
        "fit",
        min_length=1,
        pattern=r"^(fit|.*\.[Jj][Ss][Oo][Nn])$",
        description='Where the Q-learning parameters come from: "fit" (the lab\'s own seeded maximum-likelihood fit, aind-dynamic-foraging-models; slow: about 25 s per 250 finished trials) or the location (path, file:// or s3:// URI) of a JSON file of fitted parameters per session, the format the TypeScript grouped-analysis reads.',
    )
    fit_seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the lab fitter's global search (fit_source \"fit\"), so fits are reproducible.")
    alignment_event: Literal["choice_time", "goCue_start_time", "reward_time"] = Field(
        "choice_time", description="Trial event the response window is aligned to."
    )
    data_column: Literal["data_z_norm", "data_z", "data_norm", "data"] = Field(
        "data_z_norm",
        description="Photometry signal used for the response window: data_z_norm = z-scored dF/F minus each trial's pre-go-cue baseline (the reference); data_z = z-scored dF/F; data_norm / data = dF/F with / without baseline subtraction.",
    )
    signal_window_s: Window = _window("Response window after the alignment event, averaged per trial:", (0.33, 1.0))
    psth_window_s: Window = _window("Time range of the event-aligned traces (PSTH) in the figure:", (-1.0, 4.0))
    last_N_sess: int = Field(5, ge=1, le=10_000, description="Number of most recent sessions averaged in the figure's response-by-RPE panels.")

    @field_validator("signal_window_s", "psth_window_s")
    @classmethod
    def _ordered(cls, value: Window) -> Window:
        if not value[0] < value[1]:
            raise ValueError("window start must be before its end, e.g. [0.33, 1.0]")
        return value

    # mode="before": these messages, rather than the JSON Schema constraint's
    @field_validator("channels", mode="before")
    @classmethod
    def _channels(cls, value: Any) -> Any:
        for name in value if isinstance(value, dict) else ():
            if isinstance(name, str) and not CHANNEL_NAME.match(name):
                raise ValueError(f"channel {name!r}: names are G_<n>, R_<n> or Iso_<n>, optionally with a _<suffix> (e.g. G_1, Iso_2)")
        return value

    @field_validator("fit_source", mode="before")
    @classmethod
    def _fit_source(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value != "fit" and not value.lower().endswith(".json"):
            raise ValueError(f'"{value}" is neither "fit" nor a .json file (a path, file:// or s3:// URI)')
        if ".." in value.replace("\\", "/").split("/"):
            raise ValueError(f'"{value}": no ".." parts')
        return value


class Counts(BaseModel):
    sessions_input: int = Field(description="Sessions of the job.")
    sessions_used: int = Field(description="Sessions in the tables (one per day: the one with more finished trials).")
    sessions_skipped: int = Field(description="Same-day duplicates left out.")
    sessions_with_photometry: int = Field(description="Used sessions with at least one analysed channel.")
    sessions_with_model: int = Field(description="Used sessions whose trials carry the model's values.")
    trials: int = Field(description="Trials of the used sessions.")
    finished_trials: int = Field(description="Finished (non-ignored) trials of the used sessions.")
    slope_rows: int = Field(description="Rows of rpe_slope.")


class Outputs(BaseModel):
    """The run's summary (stored in the record)."""

    subject_id: str
    fitted_model: str
    fit_source: str
    counts: Counts
    sessions: list[str] = Field(description="ses_idx of the used sessions, in date order.")
    figures: list[str]


def _clean(v: Any) -> Any:
    """JSON-safe copy for a partial: NaN / NaT -> None, numpy and pandas scalars -> Python."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_clean(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    return str(v)


def _model_fit(
    params: Parameters, model_keys: list[str], choices: np.ndarray, rewards: np.ndarray, warn: Any
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The fit for one session ({params, latent_variables, n_trials}) and its summary, or
    (None, None) with a warning when the session is skipped (no entry, a different number of
    finished trials, too short to fit)."""
    model = params.fitted_model
    n = len(choices)
    if params.fit_source == "fit":
        if n < fits.MIN_TRIALS_FOR_FIT:
            warn(f"{model}: {n} finished trials, fewer than {fits.MIN_TRIALS_FOR_FIT}: not fitted")
            return None, None
        values = fits.fit_with_lab_fitter(model, choices, rewards, params.fit_seed)
        source = {"fit_source": "fit", "fit_seed": params.fit_seed}
    else:
        location = params.fit_source
        fit_file = fits.load_fit_file(location)
        entry = fit_file.entry(model_keys)
        if entry is None:
            warn(f"{model}: no fitted parameters for {model_keys[0]} in {location}")
            return None, None
        if entry.get("n_trials") is not None and entry["n_trials"] != n:
            warn(f"{model}: {location} was fitted on {entry['n_trials']} finished trials, the session has {n}: skipped")
            return None, None
        values = fits.model_params(model, entry["params"], location, model_keys[0])
        source = {"fit_source": location, "fit_file_sha256": fit_file.sha256}
    latents, nll = fits.forward_pass(model, values, choices, rewards)
    k = len(fits.FREE_PARAMETERS[model])
    summary = {"name": model, "params": values, "n_trials": n, "nll": nll, "AIC": 2 * nll + 2 * k, "BIC": 2 * nll + k * math.log(n), **source}
    return {"params": values, "latent_variables": latents, "n_trials": n}, summary


def per_session(session: SessionInput, params: Parameters, ctx: RunContext) -> dict[str, Any]:
    """One session: the lab's tables, enriched, written under sessions/<ses_idx>/."""
    caught: list[str] = []
    try:
        with pipeline.lab_code(caught):
            t = pipeline.read_session(str(session.path))
    except (OSError, KeyError, ValueError) as e:
        raise InvalidInput(f"{session.uri}: not a readable dynamic-foraging NWB session ({type(e).__name__}: {e})", file=session.uri) from None
    ses_idx = str(t.df_trials["ses_idx"].iloc[0])
    prefix = f"{ses_idx}: "
    for w in caught:
        ctx.warn(prefix + w)
    choices, rewards = pipeline.finished_history(t.df_trials)
    keys = [ses_idx, str(t.nwb.session_id), session.path.name]
    fit, model = _model_fit(params, keys, choices, rewards, lambda m: ctx.warn(prefix + m))

    caught = []
    with pipeline.lab_code(caught):
        result = pipeline.run_pipeline(
            t,
            channels=list(params.channels),
            preprocessing=params.preprocessing,
            model=params.fitted_model,
            fit=fit,
            alignment_event=params.alignment_event,
            data_column=params.data_column,
            signal_window=params.signal_window_s,
            psth_window=params.psth_window_s,
        )
    for w in caught:
        ctx.warn(prefix + w)
    for key, series in result.missing:
        ctx.warn(f"{prefix}photometry series {series} is not in this session: channel {key} skipped")

    out = ctx.results_dir / "sessions" / ses_idx
    tables.write_parquet(tables.typed(result.df_trials), out / "df_trials.parquet")
    tables.write_parquet(tables.events_table(t.df_events, ses_idx), out / "df_events.parquet")
    if result.df_fip is not None:
        tables.write_parquet(tables.fip_table(result.df_fip, [c.series for c in result.channels]), out / "df_fip.parquet")

    row = t.df_session.iloc[0].to_dict()
    start = row.get("session_start_time")
    if isinstance(start, pd.Timestamp) and isinstance(start.tzinfo, tzlocal):
        # pynwb gives a zone-less start time the machine's zone: UTC, as on Code Ocean, so the
        # sessions table does not depend on where the worker runs
        row["session_start_time"] = start.tz_convert("UTC")
    return _clean(
        {
            "ses_idx": ses_idx,
            "subject_id": str(row["subject_id"]),
            "session_date": str(row["session_date"]),
            "session_id": str(t.nwb.session_id),
            "nwb_name": session.path.name,
            "uri": session.uri,
            "df_session": row,
            "total_trials": int(len(t.df_trials)),
            "finished_trials": int(len(choices)),
            "model": model,
            "channels": {
                c.key: {"series": c.series, "avg_column": c.avg_column, "slopes": c.slopes, "psth_rpe": c.psth_rpe}
                for c in result.channels
            },
            "missing_channels": [k for k, _ in result.missing],
        }
    )


def select_sessions(partials: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lab loader's session list (RAU.get_nwb_processed): one session per ses_idx, the one
    with more finished trials, then in date order."""
    kept: dict[str, dict[str, Any]] = {}
    for p in sorted(partials, key=lambda p: p["uri"]):
        if p["ses_idx"] not in kept or p["finished_trials"] > kept[p["ses_idx"]]["finished_trials"]:
            kept[p["ses_idx"]] = p
    used = sorted(kept.values(), key=lambda p: (p["session_date"], p["ses_idx"]))
    skipped = [p for p in partials if all(p is not u for u in used)]
    return used, skipped


def _figure(used: list[dict[str, Any]], params: Parameters, subject: str, slopes: pd.DataFrame) -> Figure:
    keys = list(params.channels) or ["(no channel)"]
    fig = Figure(figsize=(11, 3.4 * len(keys)), layout="constrained")
    axes = fig.subplots(len(keys), 2, squeeze=False)
    last = [p for p in used if p["channels"]][-params.last_N_sess:]
    cmap = matplotlib.colormaps["viridis"]
    for row, key in zip(axes, keys):
        ax, ax_slope = row
        have = [p for p in last if key in p["channels"]]
        for i, label in enumerate(pipeline.RPE_LABELS):
            traces = [p["channels"][key]["psth_rpe"] for p in have if p["channels"][key]["psth_rpe"]["mean"].get(label) is not None]
            if not traces:
                continue
            time = np.asarray(traces[0]["time"], dtype=float)
            means = np.array([[np.nan if v is None else v for v in t["mean"][label]] for t in traces], dtype=float)
            mean = np.nanmean(means, axis=0) if len(means) else means
            ax.plot(time, mean, color=cmap(i / (len(pipeline.RPE_LABELS) - 1)), label=f"RPE {label}")
        ax.axvspan(*params.signal_window_s, color="0.9", zorder=0)
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_xlabel(f"time from {params.alignment_event} (s)")
        ax.set_ylabel("data_z")
        ax.set_title(f"{key} ({params.channels.get(key, '')}): response by RPE bin, last {len(have)} session(s)", fontsize=9)
        if have:
            ax.legend(fontsize=7, ncols=2)
        else:
            ax.text(0.5, 0.5, "no session with this channel", ha="center", va="center", transform=ax.transAxes)
        series = pipeline.series_name(key, params.preprocessing)
        rows = slopes[slopes["channel"] == series].sort_values("date", kind="stable")
        if len(rows):
            # one point per session, in date order, labelled by date
            x = np.arange(len(rows))
            ax_slope.plot(x, rows["slope (RPE >= 0)"], "o-", color="#c44e52", label="RPE >= 0")
            ax_slope.plot(x, rows["slope (RPE < 0)"], "o-", color="#4c72b0", label="RPE < 0")
            ax_slope.set_xticks(x, rows["date"].dt.strftime("%Y-%m-%d"), rotation=30, ha="right", fontsize=7)
            ax_slope.set_xlim(-0.5, len(rows) - 0.5)
            ax_slope.legend(fontsize=7)
        else:
            ax_slope.text(0.5, 0.5, "no RPE slope", ha="center", va="center", transform=ax_slope.transAxes)
        ax_slope.axhline(0, color="0.5", lw=0.8)
        ax_slope.set_ylabel(f"slope of avg {params.data_column} on RPE")
        ax_slope.set_title("RPE slope per session", fontsize=9)
    fig.suptitle(f"subject {subject} · {params.fitted_model} · {len(used)} session(s)")
    return fig


def group(partials: list[dict[str, Any]], params: Parameters, ctx: RunContext) -> Outputs:
    """The mouse: sessions table, rpe_slope table, one figure."""
    subject = ctx.subject_id
    used, skipped = select_sessions(partials)
    for p in skipped:
        ctx.warn(f"{p['ses_idx']}: same-day duplicate ({p['uri']}) left out: another session that day has more finished trials")
    for p in used:
        if p["subject_id"] != subject:
            ctx.warn(f"{p['ses_idx']}: subject {p['subject_id']} is not the job's subject {subject}")

    # rpe_slope: per channel, per session in ses_idx order (au.add_AUC_and_rpe_slope)
    slope_rows = []
    for key in params.channels:
        for p in sorted((p for p in used if key in p["channels"] and p["channels"][key]["slopes"]), key=lambda p: p["ses_idx"]):
            c = p["channels"][key]
            nan = float("nan")
            slope_rows.append(
                {
                    "subject_id": p["subject_id"],
                    "date": p["session_date"],
                    "channel": c["series"],
                    "slope (RPE >= 0)": nan if c["slopes"]["pos"]["slope"] is None else c["slopes"]["pos"]["slope"],
                    "slope (RPE < 0)": nan if c["slopes"]["neg"]["slope"] is None else c["slopes"]["neg"]["slope"],
                }
            )
    slopes = tables.slope_table(slope_rows)
    slopes.to_csv(ctx.results_dir / "rpe_slope.csv", date_format="%Y-%m-%d")
    tables.write_parquet(slopes, ctx.results_dir / "rpe_slope.parquet")

    # sessions: the lab's df_session rows, week_interval (RAU.get_date_and_week_interval), the model
    first = pd.Timestamp(used[0]["session_date"]) if used else None
    names = sorted({n for p in used if p["model"] for n in p["model"]["params"]})
    rows = []
    for p in used:
        m = p["model"] or {}
        rows.append(
            {
                **p["df_session"],
                "week_interval": (pd.Timestamp(p["session_date"]) - first).days // 7 + 1,
                "fitted_model": m.get("name"),
                **{n: m.get("params", {}).get(n) for n in names},
                "model_nll": m.get("nll"),
                "model_AIC": m.get("AIC"),
                "model_BIC": m.get("BIC"),
                "fit_source": m.get("fit_source"),
                "fit_file_sha256": m.get("fit_file_sha256"),
                "channels": ",".join(p["channels"]),
            }
        )
    sessions = tables.sessions_table(rows)
    sessions.to_csv(ctx.results_dir / "sessions.csv", date_format="%Y-%m-%d")
    tables.write_parquet(sessions, ctx.results_dir / "sessions.parquet")

    figure = f"rpe_{subject}"
    (ctx.results_dir / "figures").mkdir()
    _figure(used, params, subject, slopes).savefig(ctx.results_dir / "figures" / f"{figure}.png", dpi=100)
    return Outputs(
        subject_id=subject,
        fitted_model=params.fitted_model,
        fit_source=params.fit_source,
        counts=Counts(
            sessions_input=len(partials),
            sessions_used=len(used),
            sessions_skipped=len(skipped),
            sessions_with_photometry=sum(1 for p in used if p["channels"]),
            sessions_with_model=sum(1 for p in used if p["model"]),
            trials=sum(p["total_trials"] for p in used),
            finished_trials=sum(p["finished_trials"] for p in used),
            slope_rows=len(slope_rows),
        ),
        sessions=[p["ses_idx"] for p in used],
        figures=[figure],
    )


analysis = Analysis(
    name="grouped-analysis-py",
    version="0.1.0",
    title="Grouped photometry analysis (Python, the lab's packages)",
    description=(
        "The lab's grouped photometry analysis on aind-dynamic-foraging-data-utils, -basic-analysis and -models: "
        "per session, trials enriched with a fitted Q-learning model (values, RPE), photometry windows and the "
        "response after choice (the TypeScript grouped-analysis's df_trials / df_events / df_fip tables); per mouse, "
        "the sessions and rpe_slope tables and one figure."
    ),
    parameters=Parameters,
    outputs=Outputs,
    per_session=per_session,
    group=group,
    # the figure's session count is the only parameter the per-session tables do not depend on
    session_parameters=[n for n in Parameters.model_fields if n != "last_N_sess"],
    figures=[{"name": "rpe_<subject>", "description": "Per channel: the response by RPE bin averaged over the last N sessions, and the RPE slopes per session."}],
)
