import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The reliability suite (`npm run test:reliability`, issue 8): fault injection on its own
// servers (test/support/reliability/global-setup.ts), one scenario file at a time, in file-name
// order so the security scan (last) sees everything the other scenarios wrote.
// GA_RELIABILITY_FULL=1 runs the full counts (50 kills, 30 s outages, 1,000 bad inputs).
class ByName extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    name: 'reliability',
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/support/reliability/global-setup.ts'],
    fileParallelism: false,
    sequence: { sequencer: ByName },
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
  },
});
