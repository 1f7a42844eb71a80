"""{{name}}: trials per session of one mouse (the template new Python analyses start from).

Reads each session's trials table (NWB ``/intervals/trials``, HDF5 or Zarr), writes one row per
session to ``trials_per_session.csv`` and ``sessions.csv`` (the table the run's report shows),
and draws the finished trials and the right-choice fraction per session as
``figures/trials_<subject>.png``.
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np
import pandas as pd
import zarr
from matplotlib.figure import Figure  # the object API: thread-safe, unlike pyplot
from pydantic import BaseModel, Field

from grouped_analysis_py import Analysis, AnalysisDispatchModel, InvalidInput, RunContext, SessionInput

#: animal_response codes: 0 left, 1 right, 2 no response.
RIGHT, IGNORED = 1, 2


class Parameters(BaseModel):
    """Parameters of {{name}} (defaults apply to whatever a job leaves out)."""

    min_trials: int = Field(
        0, ge=0, description="Sessions with fewer finished trials are listed but left out of the figure and the totals."
    )
    title: str = Field("Trials per session", min_length=1, description="Figure title (the subject id is appended).")


class Outputs(BaseModel):
    """The run's summary (stored in the record)."""

    n_sessions: int = Field(description="Sessions with at least min_trials finished trials.")
    total_trials: int = Field(description="Trials of those sessions.")


def _text(value: Any) -> str:
    # NWB strings: bytes in HDF5, a one-element array in Zarr.
    if isinstance(value, np.ndarray):
        value = value.flat[0]
    return value.decode() if isinstance(value, bytes) else str(value)


def read_trials(session: SessionInput) -> dict[str, Any]:
    """The session's start time and the trials' ``start_time`` and ``animal_response``."""
    try:
        if session.format == "hdf5":
            with h5py.File(session.path, "r") as f:
                return _trials(f)
        return _trials(zarr.open_group(str(session.path), mode="r"))
    except KeyError as e:
        raise InvalidInput(f"{session.uri}: no {e} in the NWB file (expected /intervals/trials/start_time, animal_response)", file=session.uri) from None
    except (OSError, ValueError) as e:
        raise InvalidInput(f"{session.uri}: not a readable NWB session ({e})", file=session.uri) from None


def _trials(root: Any) -> dict[str, Any]:
    trials = root["intervals/trials"]
    return {
        "session_start_time": _text(root["session_start_time"][()]),
        "start_time": np.asarray(trials["start_time"][:], dtype=float),
        "animal_response": np.asarray(trials["animal_response"][:], dtype=float),
    }


def _figure(table: pd.DataFrame, title: str) -> Figure:
    fig = Figure(figsize=(7, 3.5), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(table))
    ax.bar(x, table["n_finished"], color="#4c72b0", label="finished trials")
    ax.set_ylabel("finished trials")
    ax.set_xticks(x, [s[-19:] for s in table["session"]], rotation=30, ha="right", fontsize=7)
    right = ax.twinx()
    right.plot(x, table["right_fraction"], "o-", color="#dd8452", label="right choices")
    right.set_ylim(0, 1)
    right.set_ylabel("fraction right")
    ax.set_title(title)
    if table.empty:
        ax.text(0.5, 0.5, "no session with enough finished trials", ha="center", va="center", transform=ax.transAxes)
    return fig


def run(dispatch_inputs: AnalysisDispatchModel, params: Parameters, ctx: RunContext) -> Outputs:
    """Job mode: called once per run with every session of the mouse staged locally."""
    rows = []
    for i, session in enumerate(ctx.sessions):
        ctx.heartbeat({"session": session.uri, "done": i})
        t = read_trials(session)
        response = t["animal_response"]
        n_finished = int((response != IGNORED).sum())
        rows.append(
            {
                "session": session.path.name.removesuffix(".nwb"),
                "session_start_time": t["session_start_time"],
                "n_trials": int(len(t["start_time"])),
                "n_finished": n_finished,
                "right_fraction": round(float((response == RIGHT).sum()) / n_finished, 4) if n_finished else None,
                "format": session.format,
                "uri": session.uri,
            }
        )
    columns = ["session", "session_start_time", "n_trials", "n_finished", "right_fraction", "format", "uri"]
    table = pd.DataFrame(rows, columns=columns).sort_values("session_start_time", kind="stable")
    table[["session", "n_trials", "n_finished", "right_fraction"]].to_csv(ctx.results_dir / "trials_per_session.csv", index=False)
    table.to_csv(ctx.results_dir / "sessions.csv", index=False)

    kept = table[table["n_finished"] >= params.min_trials]
    for name in table.loc[table["n_finished"] < params.min_trials, "session"]:
        ctx.warn(f"{name}: fewer than {params.min_trials} finished trials; left out of the figure and the totals")
    (ctx.results_dir / "figures").mkdir()
    _figure(kept, f"{params.title} – {ctx.subject_id}").savefig(ctx.results_dir / "figures" / f"trials_{ctx.subject_id}.png", dpi=100)
    return Outputs(n_sessions=len(kept), total_trials=int(kept["n_trials"].sum()))


analysis = Analysis(
    name="{{name}}",
    version="0.1.0",
    title="Trials per session",
    description="Counts each session's trials, finished trials and right-choice fraction; one table and one figure per mouse.",
    parameters=Parameters,
    outputs=Outputs,
    run=run,
    figures=[{"name": "trials_<subject>", "description": "Finished trials (bars) and fraction of right choices (line) per session."}],
)
