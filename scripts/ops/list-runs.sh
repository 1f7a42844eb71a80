#!/usr/bin/env bash
# Lists the runs of one mouse (optionally of one analysis tag), newest first.
#   bash scripts/ops/list-runs.sh 697062 [TAG]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
q="SubjectId = '$(safe "${1:?usage: list-runs.sh SUBJECT_ID [ANALYSIS_TAG]}")'"
[[ -n "${2:-}" ]] && q="$q AND AnalysisTag = '$(safe "$2")'"
tctl workflow list --query "$q"
