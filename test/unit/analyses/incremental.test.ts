// Incremental re-analysis through analysisWorkflow with the real activities (a worker over
// local-folder stores, as one with GA_LOCAL_RESULTS_DIR / GA_LOCAL_RECORDS_DIR, on a Temporal
// server of its own): a mouse that gained one session recomputes only that session plus the group
// step; cached partials give the same outputs, byte for byte, as computing everything afresh.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../../src/generator/generate.js';
import { localRun, planJob, type LocalRun, type MouseRun } from '../../support/local-run.js';
import { inActivityContext } from '../../support/activity-env.js';

const CHANNELS = { G_1: 'NAc', G_2: 'DMS' };
const parameters = (tag: string, channels: Record<string, string> = CHANNELS) => ({ analysis_name: 'grouped-analysis', analysis_tag: tag, channels, plot_types: ['avg_lastN_sess', 'weekly'] });

let dir: string;
let sessions: string[];
let subject: string;
let warm: LocalRun;
let first: MouseRun;
let grown: MouseRun;
let loadsBefore: number;

const uri = (p: string) => pathToFileURL(p).href;
/** sha256 per output name, leaving out the manifest (it names the store's URIs) and `skip`. */
const digests = (run: MouseRun, skip: string[] = []) =>
  Object.fromEntries(run.outputs.filter((o) => o.name !== 'manifest.json' && !skip.includes(o.name)).map((o) => [o.name, o.sha256]));

async function analyse(rt: LocalRun, files: string[], tag: string, jobDir: string): Promise<MouseRun> {
  const input = await planJob(join(dir, jobDir), { subjectId: subject, sessions: files, parameters: parameters(tag) }, rt.runtime.deps.codeVersion);
  return await rt.run(input);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ga-incremental-'));
  const data = join(dir, 'data');
  const summary = await generateDataset(
    { seed: 31, mice: 1, sessions: 4, trials: 120, format: 'mixed', channels: ['G_1', 'G_2'], skipWeekends: false },
    data,
  );
  subject = summary.mice[0].subject_id;
  const folder = join(data, summary.mice[0].folder);
  sessions = (await readdir(folder)).filter((f) => f.endsWith('.nwb')).sort().map((f) => join(folder, f));
  warm = await localRun(join(dir, 'warm'));
  first = await analyse(warm, sessions.slice(0, 3), 'T1', 'jobs-3');
  loadsBefore = warm.loads.length;
  grown = await analyse(warm, sessions, 'T1', 'jobs-4');
}, 120_000);

afterAll(async () => {
  await warm?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a mouse that gained one session', () => {
  it('first run: every session computed from its file', () => {
    expect(first.sessions.map((s) => s.fromCache)).toEqual([false, false, false]);
    expect(warm.loads.slice(0, loadsBefore).map((l) => l.uri)).toEqual(sessions.slice(0, 3).map(uri));
  });

  it('second run: the three known sessions come from the cache, only the new one is read and computed', () => {
    expect(grown.sessions.map((s) => s.fromCache)).toEqual([true, true, true, false]);
    expect(grown.sessions.slice(0, 3).map((s) => s.partialKey)).toEqual(first.sessions.map((s) => s.partialKey));
    expect(warm.loads.slice(loadsBefore).map((l) => l.uri)).toEqual([uri(sessions[3])]);
    // The group step ran again over all four sessions.
    expect((grown.summary as { counts: { sessions_used: number } }).counts.sessions_used).toBe(4);
    console.log(`incremental: first run ${first.ms.total.toFixed(0)} ms, after adding one session ${grown.ms.total.toFixed(0)} ms (sessions ${grown.ms.sessions.toFixed(0)} ms, group ${grown.ms.group.toFixed(0)} ms)`);
  });

  it('the resolver names the cached partials, so the workflow schedules no session activity for them', async () => {
    const resolve = async (jobDir: string, params: ReturnType<typeof parameters>) => {
      const input = await planJob(join(dir, jobDir), { subjectId: subject, sessions, parameters: params }, warm.runtime.deps.codeVersion);
      const resolved = await inActivityContext(warm.activities).resolveInputs(input);
      if (resolved.kind !== 'resolved') throw new Error('expected a new run');
      return resolved.cachedPartials;
    };
    expect(await resolve('jobs-4-T4', parameters('T4'))).toEqual(grown.sessions.map((s) => s.partialKey));
    // Other channels are other partials: none cached yet.
    expect(await resolve('jobs-4-T5', parameters('T5', { G_1: 'NAc' }))).toEqual([null, null, null, null]);
  });

  it('the unchanged sessions keep byte-identical per-session tables', () => {
    const before = digests(first);
    const after = digests(grown);
    const perSession = Object.keys(before).filter((n) => n.startsWith('sessions/'));
    expect(perSession).toHaveLength(9); // df_trials, df_events, df_fip of 3 sessions
    for (const name of perSession) expect(after[name], name).toBe(before[name]);
  });

  it('cached partials give the same outputs as computing every session afresh', async () => {
    const fresh = await localRun(join(dir, 'fresh'));
    try {
      const cold = await analyse(fresh, sessions, 'T1', 'jobs-4-fresh');
      expect(cold.sessions.map((s) => s.fromCache)).toEqual([false, false, false, false]);
      // The run report (index.html) shows each run's own step times; every other output is unchanged.
      expect(digests(grown, ['index.html'])).toEqual(digests(cold, ['index.html']));
      // Listed in the same order too (puts finish in any order; the listing keeps the call order).
      expect(grown.outputs.map((o) => o.name)).toEqual(cold.outputs.map((o) => o.name));
      expect(cold.summary).toEqual(grown.summary);
    } finally {
      await fresh.close();
    }
  });

  it('the same sessions under a new analysis tag reuse every partial and reproduce the outputs', async () => {
    const again = await analyse(warm, sessions.slice(0, 3), 'T2', 'jobs-3-T2');
    expect(again.sessions.map((s) => s.fromCache)).toEqual([true, true, true]);
    // The run report (index.html) shows the analysis tag; every other output is unchanged.
    expect(digests(again, ['index.html'])).toEqual(digests(first, ['index.html']));
  });

  it('a cached partial damaged or gone after the resolver saw it, or a stored file gone, is recomputed with a warning', async () => {
    const { results } = warm.runtime.deps;
    const activities = inActivityContext(warm.activities);
    const input = await planJob(join(dir, 'jobs-4-T3'), { subjectId: subject, sessions, parameters: parameters('T3') }, warm.runtime.deps.codeVersion);
    const resolved = await activities.resolveInputs(input);
    if (resolved.kind !== 'resolved') throw new Error('expected a new run');
    const keys = resolved.cachedPartials!.map((k) => k!);
    // After the resolver: one partial overwritten, one deleted, one session's df_trials deleted.
    await results.put(keys[1], new TextEncoder().encode('not a partial'));
    await results.delete(keys[2]);
    const trialsFile = keys[0].replace(/\.partial$/, `/${Object.keys(digests(first)).find((n) => n.endsWith('df_trials.parquet'))}`);
    await results.delete(trialsFile);
    const loadsBefore = warm.loads.length;

    const group = await activities.computeGroup({ workflow: input, sessions: resolved.sessions, partialKeys: keys });
    expect(group.warnings).toEqual([
      `${results.uri(keys[1])} is not a session partial (no GAP1 header); recomputed from ${resolved.sessions[1].uri}`,
      `object not found: ${results.uri(keys[2])}; recomputed from ${resolved.sessions[2].uri}`,
      `object not found: ${results.uri(trialsFile)}; recomputed from ${resolved.sessions[0].uri}`,
    ]);
    expect(warm.loads.slice(loadsBefore).map((l) => l.uri).sort()).toEqual([sessions[0], sessions[1], sessions[2]].map(uri).sort());
    // The same outputs as the run that found them all intact.
    const recomputed = Object.fromEntries(group.outputs.map((o) => [o.name, o.sha256]));
    for (const [name, sha] of Object.entries(digests(grown, ['index.html']))) expect(recomputed[name], name).toBe(sha);
    expect(await results.head(trialsFile)).toBeDefined();
  });
});

describe('warnings of cached sessions', () => {
  it('are reported by every run that uses the session, not only the one that computed it', async () => {
    const rt = await localRun(join(dir, 'real'));
    try {
      const real = ['697062_2023-11-14_11-12-44', '697062_2023-11-15_10-02-05'].map((s) => join(import.meta.dirname, '..', '..', 'fixtures', 'real-nwb', `${s}.nwb`));
      const run = async (tag: string) => {
        const input = await planJob(join(dir, `real-${tag}`), { subjectId: '697062', sessions: real, parameters: parameters(tag) }, rt.runtime.deps.codeVersion);
        return await rt.run(input);
      };
      const computed = await run('W1');
      const cached = await run('W2');
      expect(cached.sessions.map((s) => s.fromCache)).toEqual([true, true]);
      // These sessions have no photometry: each says so, in session order, in both runs.
      const perSession = computed.warnings.filter((m) => m.includes('no analysed photometry channel'));
      expect(perSession.map((m) => m.split(':')[0])).toEqual(['697062_2023-11-14', '697062_2023-11-15']);
      expect(cached.warnings).toEqual(computed.warnings);
    } finally {
      await rt.close();
    }
  });
});
