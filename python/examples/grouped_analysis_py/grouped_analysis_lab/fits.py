"""Fitted Q-learning parameters per session: from a ``fit_source`` JSON file (the format the
TypeScript plugin grouped-analysis reads, src/analyses/grouped-photometry/fits.ts), or from the
lab's own fitter (aind-dynamic-foraging-models ``ForagerQLearning.fit``, slow: ~25 s for 250
finished trials).

File format: a list ``[{"ses_idx": "<subject>_<YYYY-MM-DD>", "nwb_name": "<file name>", "params":
{...}, "n_trials": N}, ...]`` (``ses_idx`` and/or ``nwb_name``; ``n_trials`` optional: the
finished trials the fit used, a mismatch skips the session) or an object keyed by ses_idx, session
id or file name: ``{"<key>": {"params": {...}, "n_trials": N}}``. Other fields (model name,
likelihood, ...) are kept; a misspelt known field (``n_trial``) is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np
from aind_dynamic_foraging_models.generative_model import ForagerQLearning
from aind_dynamic_foraging_models.generative_model.base import negLL

from grouped_analysis_py import InvalidInput

#: The models' agent settings per alias (as scripts/reference/grouped_pipeline.py).
AGENT_KWARGS: dict[str, dict[str, Any]] = {
    "QLearning_L2F1_CKfull_softmax": dict(
        number_of_learning_rate=2, number_of_forget_rate=1, choice_kernel="full", action_selection="softmax"
    ),
    "QLearning_L1F1_CK1_softmax": dict(
        number_of_learning_rate=1, number_of_forget_rate=1, choice_kernel="one_step", action_selection="softmax"
    ),
}
#: Free parameters per model (the names the fit file gives); the others are fixed by the model.
FREE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "QLearning_L2F1_CKfull_softmax": (
        "learn_rate_rew", "learn_rate_unrew", "forget_rate_unchosen", "choice_kernel_relative_weight",
        "choice_kernel_step_size", "biasL", "softmax_inverse_temperature",
    ),
    "QLearning_L1F1_CK1_softmax": (
        "learn_rate", "forget_rate_unchosen", "choice_kernel_relative_weight", "biasL", "softmax_inverse_temperature",
    ),
}
#: Sessions with fewer finished trials are not fitted (the lab's fitting pipeline skips them too).
MIN_TRIALS_FOR_FIT = 50
KNOWN_FIELDS = ("ses_idx", "nwb_name", "params", "n_trials")
EXPECTED = (
    'Expected [{"ses_idx": "<subject>_<date>", "params": {...}, "n_trials": N}, ...] '
    'or {"<ses_idx or nwb_name>": {"params": {...}}}'
)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i]
        for j in range(1, len(b) + 1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])))
        prev = row
    return prev[len(b)]


def closest(key: str, known: tuple[str, ...]) -> str | None:
    """The nearest known name by edit distance, as the TypeScript side's did-you-mean."""
    best, best_distance = None, max(2, len(key) // 3) + 1
    for candidate in known:
        d = _edit_distance(key.lower(), candidate.lower())
        if d < best_distance:
            best, best_distance = candidate, d
    return best


@dataclass(frozen=True)
class FitFile:
    """A parsed fit file: entries by key (ses_idx, session id or file name, without ``.nwb``)."""

    location: str
    sha256: str
    entries: dict[str, dict[str, Any]]

    def entry(self, keys: list[str]) -> dict[str, Any] | None:
        return next((self.entries[k.removesuffix(".nwb")] for k in keys if k.removesuffix(".nwb") in self.entries), None)


def read_location(location: str) -> bytes:
    """The bytes of a local path, a ``file://`` URI or an ``s3://`` URI (the worker's S3 settings)."""
    if location.startswith("s3://"):
        from grouped_analysis_py.config import ConfigError, load_settings
        from grouped_analysis_py.stores import make_s3_client

        parsed = urlparse(location)
        try:
            client = make_s3_client(load_settings().s3)
            return client.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"].read()
        except ConfigError as e:
            raise InvalidInput(f"fit_source {location}: cannot reach S3 ({e})", file=location) from None
        except Exception as e:  # botocore's ClientError and friends
            raise InvalidInput(f"fit_source {location} was not read: {e}", file=location) from None
    path = Path(unquote(urlparse(location).path)) if location.startswith("file://") else Path(location)
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidInput(f"fit_source {location} was not read: {e.strerror or e}", file=location) from None


def _check_entry(entry: Any, at: str, location: str) -> dict[str, Any]:
    def bad(where: str, message: str) -> InvalidInput:
        return InvalidInput(f"fit_source {location}: at ${where}: {message}. {EXPECTED}", file=location)

    if not isinstance(entry, dict):
        raise bad(at, "expected an object")
    for field in ("ses_idx", "nwb_name"):
        if field in entry and not isinstance(entry[field], str):
            raise bad(f"{at}.{field}", "expected a string")
    params = entry.get("params")
    if not isinstance(params, dict):
        raise bad(f"{at}.params", "expected an object of numbers")
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad(f"{at}.params.{name}", "expected a number")
    n = entry.get("n_trials")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise bad(f"{at}.n_trials", "expected a whole number >= 0")
    for field in entry:
        guess = None if field in KNOWN_FIELDS else closest(field, KNOWN_FIELDS)
        if guess:
            raise InvalidInput(
                f'fit_source {location}: at ${at}.{field}: unknown field; did you mean "{guess}"? Correct or remove it', file=location
            )
    return entry


def parse_fit_file(data: bytes, location: str) -> FitFile:
    """A fit file's entries by key; malformed files raise :class:`InvalidInput` naming the place."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidInput(f"fit_source {location} is not UTF-8 JSON: {e}", file=location) from None
    entries: dict[str, dict[str, Any]] = {}
    if isinstance(doc, list):
        for i, raw in enumerate(doc):
            entry = _check_entry(raw, f"[{i}]", location)
            for key in (entry.get("ses_idx"), entry.get("nwb_name")):
                if key:
                    entries[key.removesuffix(".nwb")] = entry
    elif isinstance(doc, dict):
        for key, raw in doc.items():
            entries[key.removesuffix(".nwb")] = _check_entry(raw, f".{key}", location)
    else:
        raise InvalidInput(f"fit_source {location}: expected a list or an object. {EXPECTED}", file=location)
    return FitFile(location, hashlib.sha256(data).hexdigest(), entries)


def load_fit_file(location: str) -> FitFile:
    return parse_fit_file(read_location(location), location)


def model_params(model: str, given: dict[str, float], location: str, key: str) -> dict[str, float]:
    """The free parameters of ``model`` from a file entry (extra names are ignored)."""
    missing = [n for n in FREE_PARAMETERS[model] if n not in given]
    if missing:
        raise InvalidInput(f"{location}: {key}: parameters of {model} missing: {', '.join(missing)}", file=location)
    return {n: float(given[n]) for n in FREE_PARAMETERS[model]}


def fit_with_lab_fitter(model: str, choices: np.ndarray, rewards: np.ndarray, seed: int) -> dict[str, float]:
    """The lab's maximum-likelihood fit (differential evolution + L-BFGS-B polish), seeded."""
    forager = ForagerQLearning(**AGENT_KWARGS[model])
    result, _ = forager.fit(choices, rewards, DE_kwargs={"workers": 1, "seed": seed})
    return {n: float(result.params[n]) for n in FREE_PARAMETERS[model]}


def forward_pass(model: str, params: dict[str, float], choices: np.ndarray, rewards: np.ndarray) -> tuple[dict[str, Any], float]:
    """The models package's forward pass (teacher forcing) at ``params``: its latent variables
    (q_value, choice_kernel, choice_prob) and negative log-likelihood."""
    forager = ForagerQLearning(seed=0, **AGENT_KWARGS[model])
    forager.set_params(**params)
    forager.perform_closed_loop(choices, rewards)
    return forager.get_latent_variables(), float(negLL(forager.choice_prob, choices, rewards))
