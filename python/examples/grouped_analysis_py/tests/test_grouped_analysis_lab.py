"""Tests of grouped-analysis-py: parameters, fit files, and runs on the lab's real sessions in
test/fixtures/real-nwb (with the fit file test/fixtures/fits/real-nwb-qlearning.json). The
per-session tables are cross-checked cell by cell against the TypeScript plugin by
test/crosscheck/analyses/grouped-py.test.ts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from grouped_analysis_py import InvalidInput
from grouped_analysis_py.analysis import CODE_VERSION_PATTERN
from grouped_analysis_py.testing import run_local
from grouped_analysis_lab import analysis
from grouped_analysis_lab import fits, pipeline

REPO = next((p for p in Path(__file__).resolve().parents if (p / "test" / "fixtures" / "real-nwb").is_dir()), None)
needs_fixtures = pytest.mark.skipif(REPO is None, reason="no test/fixtures/real-nwb in this checkout")
ZARR = "behavior_717531_2024-08-07_09-01-02.nwb"
HDF5 = "697062_2023-11-14_11-12-44.nwb"
PARAMS = {"channels": {"G_1": "NAc", "G_2": "VTA"}, "preprocessing": "preprocessed"}


def real(name: str) -> Path:
    assert REPO is not None
    return REPO / "test" / "fixtures" / "real-nwb" / name


def fit_file() -> str:
    assert REPO is not None
    return str(REPO / "test" / "fixtures" / "fits" / "real-nwb-qlearning.json")


def parse(raw: dict) -> object:
    return analysis.parse_parameters({**raw, "analysis_name": "grouped-analysis-py", "analysis_tag": "t"})


# ---- parameters and manifest ----


def test_parameters_mirror_the_typescript_plugin() -> None:
    p = parse({"channels": {"G_1": "NAc"}})
    assert p.model_dump() == {
        "channels": {"G_1": "NAc"},
        "preprocessing": "dff-bright_mc-iso-IRLS",
        "fitted_model": "QLearning_L2F1_CKfull_softmax",
        "fit_source": "fit",
        "fit_seed": 0,
        "alignment_event": "choice_time",
        "data_column": "data_z_norm",
        "signal_window_s": (0.33, 1.0),
        "psth_window_s": (-1.0, 4.0),
        "last_N_sess": 5,
    }
    assert parse({"channels": {}}).channels == {}  # behaviour only


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, r"parameters\.channels: Field required"),
        ({"channels": {"X_1": "NAc"}}, r"parameters\.channels: .*names are G_<n>, R_<n> or Iso_<n>"),
        ({"channels": {"G_1": "NAc"}, "signal_window_s": [1, 0.33]}, r"parameters\.signal_window_s: .*start must be before its end"),
        ({"channels": {"G_1": "NAc"}, "fit_source": "fits.csv"}, r'parameters\.fit_source: .*neither "fit" nor a \.json file'),
        ({"channels": {"G_1": "NAc"}, "fitted_model": "QLearning"}, r"parameters\.fitted_model"),
        ({"channels": {"G_1": "NAc"}, "chanels": {}}, r"parameters\.chanels: Extra inputs are not permitted"),
    ],
)
def test_bad_parameters_are_invalid_input(raw: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse(raw)


def test_manifest_is_valid() -> None:
    manifest = analysis.manifest()
    assert manifest["name"] == "grouped-analysis-py" and manifest["mode"] == "session-group"
    assert manifest["entry"] == "grouped_analysis_lab:analysis"
    assert CODE_VERSION_PATTERN.match(manifest["code_version"])
    assert manifest["parameters_schema"]["required"] == ["channels"]
    # every parameter changes the per-session tables, but the figure's session count
    assert "last_N_sess" not in manifest["session_parameters"] and "fit_source" in manifest["session_parameters"]


# ---- fit files ----


def test_fit_files_as_list_or_object() -> None:
    params = {n: 0.5 for n in fits.FREE_PARAMETERS["QLearning_L2F1_CKfull_softmax"]}
    listed = fits.parse_fit_file(json.dumps([{"ses_idx": "1_2024-01-01", "nwb_name": "behavior_1_2024-01-01_10-00-00.nwb", "params": params, "model": "x"}]).encode(), "f.json")
    assert listed.entry(["nope", "behavior_1_2024-01-01_10-00-00"])["params"] == params
    assert listed.entry(["1_2024-01-01"]) is listed.entry(["behavior_1_2024-01-01_10-00-00.nwb"])
    keyed = fits.parse_fit_file(json.dumps({"1_2024-01-01": {"params": params, "n_trials": 3}}).encode(), "f.json")
    assert keyed.entry(["1_2024-01-01"])["n_trials"] == 3 and keyed.entry(["2_2024-01-01"]) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"f\.json is not UTF-8 JSON"),
        ('[{"ses_idx": "a", "params": {"biasL": "high"}}]', r"at \$\[0\]\.params\.biasL: expected a number"),
        ('[{"ses_idx": "a", "params": {}, "n_trial": 10}]', r'at \$\[0\]\.n_trial: unknown field; did you mean "n_trials"'),
        ('{"a": {"params": {}, "n_trails": 10}}', r'at \$\.a\.n_trails: unknown field; did you mean "n_trials"'),
        ("3", r"expected a list or an object"),
    ],
)
def test_malformed_fit_files_are_invalid_input(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        fits.parse_fit_file(text.encode(), "f.json")


def test_missing_model_parameters_are_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="parameters of QLearning_L2F1_CKfull_softmax missing: learn_rate_rew"):
        fits.model_params("QLearning_L2F1_CKfull_softmax", {"biasL": 0.0}, "f.json", "a")


def test_the_lab_fitter_and_its_forward_pass() -> None:
    rng = np.random.default_rng(1)
    choices = rng.integers(0, 2, 60).astype(float)
    rewards = (rng.random(60) < 0.4).astype(float)
    model = "QLearning_L1F1_CK1_softmax"
    fitted = fits.fit_with_lab_fitter(model, choices, rewards, seed=0)
    assert set(fitted) == set(fits.FREE_PARAMETERS[model])
    latents, nll = fits.forward_pass(model, fitted, choices, rewards)
    assert np.asarray(latents["q_value"]).shape == (2, 61) and np.asarray(latents["choice_prob"]).shape == (2, 60)
    other = {**fitted, "softmax_inverse_temperature": 20.0}
    assert nll <= fits.forward_pass(model, other, choices, rewards)[1]  # a maximum of the likelihood


# ---- real sessions ----


@pytest.fixture(scope="module")
def zarr_run(tmp_path_factory: pytest.TempPathFactory):
    if REPO is None:
        pytest.skip("no test/fixtures/real-nwb in this checkout")
    out = tmp_path_factory.mktemp("grouped")
    return run_local(analysis, [real(ZARR), real(HDF5)], {**PARAMS, "fit_source": fit_file()}, out / "out", subject_id="717531")


@needs_fixtures
def test_real_sessions_tables_and_summary(zarr_run) -> None:
    run = zarr_run
    assert run.files == [
        "figures/rpe_717531.png",
        "rpe_slope.csv",
        "rpe_slope.parquet",
        "sessions.csv",
        "sessions.parquet",
        "sessions/697062_2023-11-14/df_events.parquet",
        "sessions/697062_2023-11-14/df_trials.parquet",
        "sessions/717531_2024-08-07/df_events.parquet",
        "sessions/717531_2024-08-07/df_fip.parquet",
        "sessions/717531_2024-08-07/df_trials.parquet",
    ]
    assert run.summary["counts"] == {
        "sessions_input": 2, "sessions_used": 2, "sessions_skipped": 0, "sessions_with_photometry": 1,
        "sessions_with_model": 2, "trials": 342 + 725, "finished_trials": 246 + 672, "slope_rows": 2,
    }
    assert run.summary["sessions"] == ["697062_2023-11-14", "717531_2024-08-07"]
    assert "697062_2023-11-14: photometry series G_1_preprocessed is not in this session: channel G_1 skipped" in run.session_warnings
    assert (run.results_dir / "figures/rpe_717531.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    slopes = pd.read_parquet(run.results_dir / "rpe_slope.parquet")
    assert list(slopes.columns) == ["subject_id", "date", "channel", "slope (RPE >= 0)", "slope (RPE < 0)"]
    assert slopes["channel"].tolist() == ["G_1_preprocessed", "G_2_preprocessed"]
    assert str(slopes["date"].dtype).startswith("datetime64") and slopes[["slope (RPE >= 0)", "slope (RPE < 0)"]].notna().all().all()
    sessions = pd.read_parquet(run.results_dir / "sessions.parquet")
    assert sessions["ses_idx"].tolist() == ["697062_2023-11-14", "717531_2024-08-07"]
    assert sessions["week_interval"].tolist() == [1, 39] and sessions["nwb_suffix"].tolist() == ["111244", "090102"]
    fit = json.loads(Path(fit_file()).read_text())
    assert sessions["learn_rate_rew"].tolist() == [fit[0]["params"]["learn_rate_rew"], fit[2]["params"]["learn_rate_rew"]]


@needs_fixtures
def test_real_session_trials_are_enriched_as_the_lab_does(zarr_run) -> None:
    path = zarr_run.results_dir / "sessions/717531_2024-08-07/df_trials.parquet"
    schema = pq.read_schema(path)
    for name, labels in (("RPE-binned3", pipeline.RPE_LABELS), ("Qch-binned3", pipeline.QCH_LABELS)):
        assert str(schema.field(name).type) == "dictionary<values=string, indices=int8, ordered=1>"
        assert pq.read_table(path).column(name).chunk(0).dictionary.to_pylist() == list(labels)
    t = pd.read_parquet(path)
    assert len(t) == 725 and t["ses_idx"].eq("717531_2024-08-07").all()
    finished = t["animal_response"] < 2
    assert t.loc[finished, ["Q_left", "Q_right", "L_kernel", "R_kernel", "RPE_earned"]].notna().all().all()
    assert t.loc[~finished, "Q_chosen"].isna().all()
    assert t["rewarded_prev"].dtype == "float64" and t["num_reward_past"].dtype == "int64" and t["stay"].dtype == "bool"
    assert t["left_reward_type"].dropna().eq("1.0").all()  # text in every session (docs/science.md)
    # The lab's bug F1 is kept: the last trial has no photometry window.
    last = t.iloc[-1]
    assert math.isnan(last["goCue_start_time_next_in_session"]) and math.isnan(last["data_z_G_1_baseline"])
    assert t["avg_data_z_norm_G_1_preprocessed_choice_time"].notna().sum() > 500

    fip = pd.read_parquet(path.with_name("df_fip.parquet"))
    assert list(fip.columns) == ["timestamps", "data", "event", "raw_timestamps", "ses_idx", "data_z", "data_norm", "data_z_norm"]
    assert fip["timestamps"].is_monotonic_increasing and set(fip["event"]) == {"G_1_preprocessed", "G_2_preprocessed"}
    events = pd.read_parquet(path.with_name("df_events.parquet"))
    assert events["data"].dtype == "float64" and "data_text" in events and events["ses_idx"].eq("717531_2024-08-07").all()


@needs_fixtures
def test_fip_rows_in_file_order_whatever_the_lab_sort_gave() -> None:
    t = pipeline.read_session(str(real(ZARR)))
    series = ["G_1_preprocessed", "G_2_preprocessed"]
    fip = t.df_fip[t.df_fip["event"].isin(series)].reset_index(drop=True)
    reference = pipeline.in_file_order(fip, t.nwb, series)
    # as another hash seed's create_df_fip could give: the same rows, ties in another order
    shuffled = fip.sample(frac=1, random_state=3).sort_values("timestamps", kind="stable").reset_index(drop=True)
    again = pipeline.in_file_order(shuffled, t.nwb, series)
    pd.testing.assert_frame_equal(again, reference)
    g1 = reference[reference["event"] == "G_1_preprocessed"]
    nwb_series = pipeline._fip_series(t.nwb, "G_1_preprocessed")
    data = np.asarray(nwb_series.data[:], dtype=float)
    np.testing.assert_array_equal(g1["data"].to_numpy(), data[np.argsort(nwb_series.timestamps[:], kind="stable")])


@needs_fixtures
def test_a_session_without_fit_keeps_nan_model_columns_with_a_warning(tmp_path: Path) -> None:
    fitted = json.loads(Path(fit_file()).read_text())
    (tmp_path / "fits.json").write_text(json.dumps([{**fitted[0], "n_trials": 10}]))
    run = run_local(analysis, [real(HDF5)], {"channels": {}, "fit_source": str(tmp_path / "fits.json")}, tmp_path / "out", subject_id="697062")
    assert run.session_warnings == [
        f"697062_2023-11-14: QLearning_L2F1_CKfull_softmax: {tmp_path / 'fits.json'} was fitted on 10 finished trials, the session has 246: skipped"
    ]
    t = pd.read_parquet(run.results_dir / "sessions/697062_2023-11-14/df_trials.parquet")
    assert t["Q_left"].isna().all() and t["RPE-binned3"].isna().all()
    assert run.summary["counts"]["sessions_with_model"] == 0 and run.summary["counts"]["slope_rows"] == 0
    assert pd.read_parquet(run.results_dir / "rpe_slope.parquet").empty
