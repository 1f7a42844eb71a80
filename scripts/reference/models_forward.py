"""Reference numbers for the Q-learning cross-check (test/crosscheck/science/qlearning.test.ts).

    bash scripts/reference/run.sh scripts/reference/models_forward.py --in req.json --out res.json

Runs aind-dynamic-foraging-models' ForagerQLearning on given histories:
- forward pass (`perform_closed_loop`, i.e. teacher forcing) at given parameters: the latents
  exactly as `get_latent_variables()` returns them, and `base.negLL` on them;
- optionally the package's own MLE fit (`fit`, differential evolution + L-BFGS-B polish, seeded
  through DE_kwargs) with its NLL.

Request: {"model": alias, "sessions": [{"choices": [0/1...], "rewards": [0/1...],
          "params": {...} | null, "fit": bool, "seed": int}]}
Response: {"versions": {...}, "sessions": [{"latents": {...}, "nll": float,
           "fit": {"params": {...}, "nll": float, "nfev": int, "nit": int}}]}
Floats are written with Python's shortest repr, so the TypeScript side reads them bit for bit.
"""

import argparse
import json
from importlib.metadata import version

import numpy as np
from aind_dynamic_foraging_models.generative_model import ForagerQLearning
from aind_dynamic_foraging_models.generative_model.base import negLL

AGENT_KWARGS = {
    "QLearning_L2F1_CKfull_softmax": dict(
        number_of_learning_rate=2,
        number_of_forget_rate=1,
        choice_kernel="full",
        action_selection="softmax",
    ),
    "QLearning_L1F1_CK1_softmax": dict(
        number_of_learning_rate=1,
        number_of_forget_rate=1,
        choice_kernel="one_step",
        action_selection="softmax",
    ),
}


def forward(model, params, choices, rewards):
    agent = ForagerQLearning(params=params, **AGENT_KWARGS[model])
    assert agent.get_agent_alias() == model
    agent.perform_closed_loop(choices, rewards)
    return agent.get_latent_variables(), float(negLL(agent.choice_prob, choices, rewards))


def fit(model, choices, rewards, seed):
    agent = ForagerQLearning(**AGENT_KWARGS[model])
    result, _ = agent.fit(choices, rewards, DE_kwargs={"workers": 1, "seed": seed})
    return {
        "params": {k: float(v) for k, v in result.params.items()},
        "nll": float(result.fun),
        "nfev": int(result.nfev),
        "nit": int(result.nit),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.inp) as f:
        req = json.load(f)
    model = req["model"]
    out = []
    for s in req["sessions"]:
        choices = np.asarray(s["choices"], dtype=float)
        rewards = np.asarray(s["rewards"], dtype=float)
        res = {}
        if s.get("params") is not None:
            res["latents"], res["nll"] = forward(model, s["params"], choices, rewards)
        if s.get("fit"):
            res["fit"] = fit(model, choices, rewards, s.get("seed", 0))
        out.append(res)
    versions = {p: version(p) for p in ("aind-dynamic-foraging-models", "numpy", "scipy")}
    with open(args.out, "w") as f:
        json.dump({"versions": versions, "sessions": out}, f)


if __name__ == "__main__":
    main()
