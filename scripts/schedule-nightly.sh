#!/usr/bin/env bash
# Creates (or updates: idempotent) a Temporal Schedule that re-dispatches a job folder every night.
# Unchanged mice keep their dedup key and are skipped as done; a mouse with a new session gets a
# new key and is recomputed, reusing its cached per-session results.
#   bash scripts/schedule-nightly.sh NAME JOB_DIR [PARAMETERS_FILE] [CRON]
# Manage it with the temporal CLI:
#   temporal schedule describe --schedule-id nightly-NAME
#   temporal schedule toggle  --schedule-id nightly-NAME --pause --reason "..."   (--unpause)
#   temporal schedule trigger --schedule-id nightly-NAME                          (run now)
#   temporal schedule delete  --schedule-id nightly-NAME
source "$(dirname "${BASH_SOURCE[0]}")/ops/common.sh"
name="$(safe "${1:?usage: schedule-nightly.sh NAME JOB_DIR [PARAMETERS_FILE] [CRON]}")"
jobs="$(cd "${2:?JOB_DIR}" && pwd)"
params="${3:+$(cd "$(dirname "$3")" && pwd)/$(basename "$3")}"
cron="${4:-0 2 * * *}"
queue="${TEMPORAL_TASK_QUEUE:-grouped-analysis}"
input=$(python3 -c 'import json,sys; d={"jobs":[sys.argv[1]],"batchTag":"nightly-"+sys.argv[3]}; sys.argv[2] and d.update(parametersFile=sys.argv[2]); print(json.dumps(d))' "$jobs" "$params" "$name")
args=(--schedule-id "nightly-$name" --cron "$cron" --workflow-id "nightly-dispatch-$name" --task-queue "$queue"
  --type dispatchWorkflow --input "$input" --overlap-policy Skip)
if tctl schedule describe --schedule-id "nightly-$name" >/dev/null 2>&1; then
  tctl schedule update "${args[@]}" && echo "updated schedule nightly-$name ($cron)"
else
  tctl schedule create "${args[@]}" && echo "created schedule nightly-$name ($cron)"
fi
