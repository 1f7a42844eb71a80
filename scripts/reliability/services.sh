#!/usr/bin/env bash
# The reliability suite's servers (test/support/reliability/env.ts: ports 21xxx), for looking
# into a kept run (GA_RELIABILITY_KEEP=1): bash scripts/reliability/services.sh STATE_DIR up|down|...
set -euo pipefail
STATE="${1:?state folder of a kept run, e.g. /tmp/ga-reliability-XXXX}"; shift
SECRET="$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$STATE/env" 2>/dev/null || true)"
export GA_STATE_DIR="$STATE" GA_TEMPORAL_HEADLESS=1 GA_LOCAL_BUCKET=ga-reliability \
  GA_LOCAL_S3_ACCESS_KEY=ga-reliability-access GA_LOCAL_S3_SECRET_KEY="${SECRET:-unset}" \
  GA_TEMPORAL_PORT=21233 GA_TEMPORAL_UI_PORT=21234 GA_TEMPORAL_HTTP_PORT=21243 GA_TEMPORAL_METRICS_PORT=21244 \
  GA_MONGO_PORT=21017 GA_S3_PORT=21333 GA_WEED_MASTER_PORT=21334 GA_WEED_VOLUME_PORT=21335 \
  GA_WEED_FILER_PORT=21336 GA_WEED_ADMIN_PORT=21337 GA_WEED_ICEBERG_PORT=21338 GA_WEED_LANCE_PORT=21339
exec bash "$(dirname "${BASH_SOURCE[0]}")/../services.sh" "$@"
