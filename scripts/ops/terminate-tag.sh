#!/usr/bin/env bash
# Terminates every running run of an analysis tag (e.g. a batch dispatched with wrong parameters).
# Terminated runs may be dispatched again (ALLOW_DUPLICATE_FAILED_ONLY).
#   bash scripts/ops/terminate-tag.sh TAG
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tag="$(safe "${1:?usage: terminate-tag.sh ANALYSIS_TAG}")"
batch workflow terminate --query "AnalysisTag = '$tag' AND ExecutionStatus = 'Running'" --reason "terminate tag $tag" --yes
