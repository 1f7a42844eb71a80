// Generated mice for the benchmarks, written once per option set under .cache/bench-data/ (the
// generator is byte-stable, so a cached data set is the one these options give).
import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generateDataset, type MouseTruth } from '../../src/generator/generate.js';
import type { FormatChoice } from '../../src/generator/plan.js';
import { isNwbError } from '../../src/nwb/errors.js';
import { openNwb } from '../../src/nwb/open.js';
import { readSession } from '../../src/nwb/session.js';
import { createDfTrials } from '../../src/nwb/tables.js';
import { REPO_ROOT } from './paths.js';

export interface MouseOptions {
  seed: number;
  sessions: number;
  trials: number;
  channels: string[];
  format: FormatChoice;
}

export interface GeneratedMouse {
  dir: string;
  truth: MouseTruth;
  /** Session files (HDF5 files or Zarr folders) in date order. */
  files: string[];
}

/** `mice` generated mice with these options (mouse k is the same whatever `mice` is). */
export async function generatedMice(o: MouseOptions & { mice: number }): Promise<GeneratedMouse[]> {
  const name = `seed${o.seed}-m${o.mice}-s${o.sessions}-t${o.trials}-${o.format}-${o.channels.join('+')}`;
  const root = join(REPO_ROOT, '.cache', 'bench-data', name);
  if (!existsSync(join(root, 'dataset.json'))) {
    const started = performance.now();
    const tmp = `${root}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await generateDataset({ ...o, skipWeekends: false }, tmp);
    await rename(tmp, root);
    console.error(`generated ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s (cached in ${root})`);
  }
  const summary = JSON.parse(await readFile(join(root, 'dataset.json'), 'utf8')) as { mice: { folder: string }[] };
  return await Promise.all(
    summary.mice.map(async ({ folder }) => {
      const dir = join(root, folder);
      const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as MouseTruth;
      return { dir, truth, files: truth.sessions.map((s) => join(dir, s.file)) };
    }),
  );
}

export async function generatedMouse(o: MouseOptions): Promise<GeneratedMouse> {
  return (await generatedMice({ ...o, mice: 1 }))[0];
}

/**
 * The sessions whose trials table the reader accepts (our createDfTrials raises where the lab's
 * create_df_trials does), and the others with the reason. Some generated sessions are rejected:
 * an agent that never chooses right all session plus auto water on a rewarded trial trips the
 * reference's "Reward before choice time" check; a whole mouse's run would fail on one of them.
 */
export async function acceptedSessions(files: readonly string[]): Promise<{ accepted: string[]; rejected: { file: string; reason: string }[] }> {
  const accepted: string[] = [];
  const rejected: { file: string; reason: string }[] = [];
  for (const file of files) {
    const source = await openNwb(file);
    try {
      createDfTrials(await readSession(source, {}));
      accepted.push(file);
    } catch (e) {
      if (!isNwbError(e)) throw e;
      rejected.push({ file, reason: e.message });
    } finally {
      await source.close();
    }
  }
  return { accepted, rejected };
}
