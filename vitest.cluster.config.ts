import { defineConfig } from 'vitest/config';

// `npm run test:cluster` (after scripts/services.sh up and scripts/cluster.sh up): a named subset of the integration and e2e tests,
// unchanged, against the production-like Temporal cluster of scripts/cluster.sh (PostgreSQL, one
// process per Temporal service) instead of the dev server. Configuration only: TEMPORAL_ADDRESS
// comes from the cluster's env file; FerretDB and S3 from scripts/services.sh as usual.
// Together the files cover: the admin's namespace setup, workflows on a real worker and the
// namespace check (integration/); dispatch, dedup (already-done, already-running, cached
// partials), records, search attributes in visibility queries and failure records
// (dispatch-foraging-summary); schedules (schedule-nightly).
export default defineConfig({
  test: {
    name: 'cluster',
    include: [
      'test/integration/namespace-setup.test.ts',
      'test/integration/temporal.test.ts',
      'test/e2e/dispatch-foraging-summary.test.ts',
      'test/e2e/schedule-nightly.test.ts',
    ],
    setupFiles: ['test/support/load-cluster-env.ts', 'test/support/load-services-env.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
