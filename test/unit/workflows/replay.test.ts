// Recorded histories of real runs (test/fixtures/histories, captured from the dev server by
// `test/e2e/replay-capture.test.ts`) must replay on the current workflow code without
// non-determinism errors: a workflow edit that would break running executions fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowSource } from '../../../src/temporal/worker-factory.js';

const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('replays every recorded history on the current workflow code', async () => {
    const histories = files.map((f) => ({ workflowId: f, history: temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(join(dir, f), 'utf8'))) }));
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ ...workflowSource() }, histories)) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
