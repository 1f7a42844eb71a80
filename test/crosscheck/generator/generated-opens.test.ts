// Generated files must be readable by the lab's Python stack: a small synthetic mouse (one HDF5
// and one Zarr session) is opened with pynwb / hdmf_zarr, validated against its cached schema,
// and fed to the reference's create_df_session / _trials / _events / _fip, all without a single
// Python warning. Runs scripts/reference/check_generated.py in the reference venv (built on
// first use by run.sh; never skipped).

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateDataset, type MouseTruth } from '../../../src/generator/generate.js';
import type { DatasetOptions } from '../../../src/generator/plan.js';
import { referencePython } from '../../support/reference.js';

interface Step {
  ok: boolean;
  error?: string;
  traceback?: string;
  [key: string]: unknown;
}
interface FileCheck {
  file: string;
  format: 'hdf5' | 'zarr';
  ok: boolean;
  steps: Record<string, Step>;
  warnings: { category: string; message: string; origin: string }[];
}

async function checkGenerated(files: string[]): Promise<{ files: FileCheck[] }> {
  const { code, stdout, stderr } = await referencePython(['scripts/reference/check_generated.py', ...files]);
  // exit 1 = some step failed: the JSON still says which, and the assertions report it
  if (code !== 0 && !(code === 1 && stdout.trim().startsWith('{'))) throw new Error(`check_generated.py failed (${code}):\n${stderr}`);
  return JSON.parse(stdout) as { files: FileCheck[] };
}

const opts: DatasetOptions = {
  seed: 2024,
  mice: 1,
  sessions: 2,
  trials: 150,
  format: 'mixed',
  channels: ['G_1', 'R_1'],
  skipWeekends: false,
};

let dir: string;
let truth: MouseTruth;
let report: { files: FileCheck[] };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ga-generated-opens-'));
  const summary = await generateDataset(opts, dir);
  const mouseDir = path.join(dir, summary.mice[0].folder);
  truth = JSON.parse(await readFile(path.join(mouseDir, 'truth.json'), 'utf8')) as MouseTruth;
  report = await checkGenerated(truth.sessions.map((s) => path.join(mouseDir, s.file)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('generated NWB files in pynwb / hdmf_zarr and the reference table builders', () => {
  it('covers one HDF5 and one Zarr session', () => {
    expect(report.files.map((f) => f.format)).toEqual(['hdf5', 'zarr']);
  });

  it('opens, validates and builds every reference table without errors or warnings', () => {
    for (const f of report.files) {
      for (const [name, step] of Object.entries(f.steps)) {
        expect(step.ok, `${f.format} ${name}: ${step.error ?? ''}\n${step.traceback ?? ''}`).toBe(true);
      }
      expect(f.steps.validate.errors, f.format).toEqual([]);
      expect(f.warnings, f.format).toEqual([]);
      expect(f.ok).toBe(true);
    }
  });

  it('reads back what was generated', () => {
    report.files.forEach((f, i) => {
      const s = truth.sessions[i];
      expect(f.steps.open.session_id).toBe(s.session_id);
      expect(f.steps.open.subject_id).toBe(truth.subject_id);
      expect(f.steps.open.protocol).toBe('Uncoupled Baiting');
      expect(f.steps.create_df_session.finished_trials).toBe(s.n_finished);
      expect(f.steps.create_df_session.reward_trials).toBe(s.n_earned);
      const trials = f.steps.create_df_trials;
      expect(trials.rows).toBe(opts.trials);
      expect(trials.earned_reward).toBe(s.n_earned);
      expect(trials.choice_time_missing).toBe(s.n_ignored);
      expect(trials.extra_reward as number).toBeGreaterThanOrEqual(s.n_auto_water_trials);
      expect(trials.extra_reward as number).toBeLessThanOrEqual(s.n_auto_water_trials + s.n_manual_water);
      expect(Object.values(trials.bool_dtypes as Record<string, string>)).toEqual(['bool', 'bool', 'bool', 'bool']);
      expect(f.steps.create_df_events.events).toEqual(
        expect.arrayContaining(['goCue_start_time', 'left_lick_time', 'right_lick_time', 'left_reward_delivery_time', 'right_reward_delivery_time']),
      );
      const fip = f.steps.create_df_fip.events as string[];
      for (const ch of ['G_1', 'R_1', 'Iso_1']) {
        expect(fip).toEqual(expect.arrayContaining([ch, `${ch}_preprocessed`, `${ch}_dff-bright_mc-iso-IRLS`]));
      }
    });
  });
});
