#!/usr/bin/env bash
# Re-runs every failed (or timed-out) run of an analysis tag from its start, in one batch:
# `temporal workflow reset` to the first workflow task keeps the workflow ID (= dedup key), and
# the new run takes over the failed processing record.
#   bash scripts/ops/retry-failed.sh TAG
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tag="$(safe "${1:?usage: retry-failed.sh ANALYSIS_TAG}")"
batch workflow reset --query "AnalysisTag = '$tag' AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut')" \
  --type FirstWorkflowTask --reason "retry failed runs of tag $tag" --yes
