"""noop-py: the trivial Python analysis of `npm run bench:python` (bench/python.ts).

Job mode; it does as little as an analysis can: writes one tiny JSON and returns. It never opens
the session, so whatever a run of it costs beyond ``run`` itself is the framework's (staging,
partials, upload, the Temporal hop). ``run`` reports the wall-clock times it was entered and left
(``time.time()``, the clock Temporal's history uses on this machine), so the benchmark can split
computeGroup into before, inside and after the analysis. Its manifest is bench/python/manifests/.
"""

import json
import time

from pydantic import BaseModel, Field

from grouped_analysis_py import Analysis


class Parameters(BaseModel):
    label: str = Field("noop", description="Written into noop.json (nothing else reads it).")


class Outputs(BaseModel):
    sessions: int
    run_entered: float = Field(description="time.time() when run() was entered.")
    run_left: float = Field(description="time.time() just before run() returned.")


def run(dispatch_inputs, params: Parameters, ctx) -> Outputs:
    entered = time.time()
    (ctx.results_dir / "noop.json").write_text(json.dumps({"label": params.label, "sessions": len(ctx.sessions)}))
    return Outputs(sessions=len(ctx.sessions), run_entered=entered, run_left=time.time())


analysis = Analysis(
    name="noop-py",
    version="0.1.0",
    title="No-op (benchmark)",
    description="Benchmark fixture: writes one tiny JSON per run and nothing else.",
    parameters=Parameters,
    outputs=Outputs,
    run=run,
)
