"""Output tables: the lab's dataframes written as Parquet with one declared type per column, by
the rules of the TypeScript plugin (docs/science.md, "Parquet outputs"), so that a mouse's tables
concatenate in pandas whatever language or session source wrote them:

- ``RPE-binned3`` / ``Qch-binned3`` are ordered categories with every label in bin-edge order
  (what the lab's ``pd.cut`` gives);
- df_events ``data`` is float64 (the lab's save() casts it to str) and text values (reward types
  of newer files) go to ``data_text``;
- ``left/right_reward_type`` and the sessions table's ``nwb_suffix``, ``rig``, ``user_name``,
  ``if_overriden_by_trainer`` are text (older files store numbers: ``1.0``, ``111244``);
- a 2-wide vector column (``side_bias_confidence_interval``) is split into ``_low`` / ``_high``,
  as the lab's save() does; ``session_date`` is a date.

Row order is made deterministic where the lab's is not (its events and FIP rows come out of an
unstable sort of series concatenated in Python-set order, so ties depend on the hash seed):
df_events by (timestamps, event), df_fip by (timestamps, channel order), the lab's order kept
within ties otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TEXT_COLUMNS = frozenset({"left_reward_type", "right_reward_type", "nwb_suffix", "rig", "user_name", "if_overriden_by_trainer"})


def _text(v: Any) -> str | None:
    """A cell as pandas prints it after ``astype(str)``; missing and NaN stay missing."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else repr(float(v))
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def text_column(s: pd.Series) -> pd.Series:
    return pd.Series([_text(v) for v in s.astype(object)], index=s.index, dtype="str")


def _vector_width(s: pd.Series) -> int | None:
    cells = [v for v in s if isinstance(v, (np.ndarray, list, tuple))]
    widths = {len(v) for v in cells}
    return widths.pop() if cells and len(widths) == 1 else None


def _bool_or_float(s: pd.Series) -> pd.Series:
    """An object column of booleans with missing cells (``rewarded_prev``) as float64 (1/0/NaN)."""
    return pd.Series([np.nan if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in s], index=s.index)


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """The columns of a lab dataframe with the declared types (see the module docstring)."""
    out: dict[str, pd.Series] = {}
    for name in df.columns:
        s = df[name]
        if name in TEXT_COLUMNS:
            out[name] = text_column(s)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[name] = s
        elif s.dtype == object:
            width = _vector_width(s)
            if width is not None:
                suffixes = ["low", "high"] if width == 2 else [str(k) for k in range(width)]
                for k, suffix in enumerate(suffixes):
                    out[f"{name}_{suffix}"] = pd.Series(
                        [float(v[k]) if isinstance(v, (np.ndarray, list, tuple)) else np.nan for v in s], index=s.index
                    )
                continue
            values = [v for v in s if v is not None and not (isinstance(v, float) and math.isnan(v))]
            if values and all(isinstance(v, (bool, np.bool_)) for v in values):
                out[name] = _bool_or_float(s) if len(values) < len(s) else s.astype(bool)
            elif values and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values):
                out[name] = s.astype(float)
            else:
                out[name] = text_column(s)
        else:
            out[name] = s
    return pd.DataFrame(out, index=df.index)


def events_table(df_events: pd.DataFrame, ses_idx: str) -> pd.DataFrame:
    """df_events (+ ses_idx) with ``data`` float64 and ``data_text``, in (timestamps, event) order."""
    df = df_events.copy()
    raw = df["data"].astype(object)
    numbers = [float(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else np.nan for v in raw]
    texts = [v.decode("utf-8") if isinstance(v, bytes) else v if isinstance(v, str) else None for v in raw]
    at = list(df.columns).index("data")
    df["data"] = np.asarray(numbers, dtype=float)
    df.insert(at + 1, "data_text", pd.Series(texts, index=df.index, dtype="str"))
    df["ses_idx"] = ses_idx
    df = df.sort_values(["timestamps", "event"], kind="stable").reset_index(drop=True)
    return typed(df)


def fip_table(df_fip: pd.DataFrame, series_order: list[str]) -> pd.DataFrame:
    """The tidy df_fip after remove_tonic_df_fip, without the positional ``index`` column its
    reset_index() adds, in (timestamps, channel order) order (the lab's order kept within ties)."""
    df = df_fip.drop(columns=["index"], errors="ignore")
    rank = df["event"].map({s: i for i, s in enumerate(series_order)})
    df = df.assign(_rank=rank).sort_values(["timestamps", "_rank"], kind="stable").drop(columns="_rank")
    return typed(df.reset_index(drop=True))


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, engine="pyarrow", index=False)


def sessions_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per session (the lab's create_df_session row plus the run's columns):
    ``session_date`` a date, TEXT_COLUMNS text, other columns as pandas infers them."""
    df = pd.DataFrame(rows)
    if "session_date" in df:
        df["session_date"] = pd.to_datetime(df["session_date"], format="%Y-%m-%d")
    return typed(df)


def slope_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``rpe_slope`` with the lab's columns; ``date`` a date."""
    columns = ["subject_id", "date", "channel", "slope (RPE >= 0)", "slope (RPE < 0)"]
    df = pd.DataFrame(rows, columns=columns)
    df["subject_id"] = df["subject_id"].astype("str")
    df["channel"] = df["channel"].astype("str")
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    for c in columns[3:]:
        df[c] = df[c].astype(float)
    return df
