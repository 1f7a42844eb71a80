import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import h5wasm, { type Dataset, type Group } from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateDataset, type MouseTruth } from '../../../src/generator/generate.js';
import { planMouse, type DatasetOptions } from '../../../src/generator/plan.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/real-nwb/', import.meta.url));
const REAL_ZARR = path.join(FIXTURES, 'behavior_717531_2024-08-07_09-01-02.nwb');
const REAL_HDF5 = path.join(FIXTURES, '697062_2023-11-14_11-12-44.nwb');

// Same channels as the real Zarr session, so that every photometry series it has is compared.
const opts: DatasetOptions = {
  seed: 42,
  mice: 2,
  sessions: 2,
  trials: 80,
  format: 'mixed',
  channels: ['G_1', 'G_2', 'R_1', 'R_2'],
  skipWeekends: true,
};

let dirA: string;
let dirB: string;
let truth: MouseTruth;
let hdf5File: string;
let zarrStore: string;

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

async function digests(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(root)) out[f] = createHash('sha256').update(await readFile(path.join(root, f))).digest('hex');
  return out;
}

beforeAll(async () => {
  dirA = await mkdtemp(path.join(tmpdir(), 'ga-generate-a-'));
  dirB = await mkdtemp(path.join(tmpdir(), 'ga-generate-b-'));
  const summary = await generateDataset(opts, dirA);
  await generateDataset(opts, dirB);
  const mouseDir = path.join(dirA, summary.mice[0].folder);
  truth = JSON.parse(await readFile(path.join(mouseDir, 'truth.json'), 'utf8')) as MouseTruth;
  hdf5File = path.join(mouseDir, truth.sessions[0].file);
  zarrStore = path.join(mouseDir, truth.sessions[1].file);
}, 120_000);
afterAll(async () => {
  await rm(dirA, { recursive: true, force: true });
  await rm(dirB, { recursive: true, force: true });
});

describe('generateDataset output', () => {
  it('is byte-identical for the same options (sha256 of every file)', async () => {
    const a = await digests(dirA);
    expect(Object.keys(a).length).toBeGreaterThan(500);
    expect(await digests(dirB)).toEqual(a);
  });

  it('writes dataset.json, one folder per mouse, behavior_<subject>_<date>_<time>.nwb per session', async () => {
    const summary = JSON.parse(await readFile(path.join(dirA, 'dataset.json'), 'utf8'));
    expect(summary.mice.map((m: { subject_id: string }) => m.subject_id)).toEqual([planMouse(opts, 0).subjectId, planMouse(opts, 1).subjectId]);
    expect(truth.sessions.map((s) => s.format)).toEqual(['hdf5', 'zarr']);
    for (const s of truth.sessions) {
      expect(s.file).toBe(`${s.session_id}.nwb`);
      expect(s.session_id).toMatch(new RegExp(`^behavior_${truth.subject_id}_${s.date}_\\d{2}-\\d{2}-\\d{2}$`));
      expect(new Date(`${s.date}T00:00:00Z`).getUTCDay()).not.toBe(0); // --skip-weekends
      expect(new Date(`${s.date}T00:00:00Z`).getUTCDay()).not.toBe(6);
    }
    expect(truth.sessions[1].date > truth.sessions[0].date).toBe(true);
  });

  it('records the planted truth: agent parameters, RPE gain/offset per channel, blocks, counts', () => {
    expect(truth.agent.model).toBe('QLearning_L2F1_CKfull_softmax');
    expect(Object.keys(truth.agent.params).sort()).toEqual(
      ['biasL', 'choice_kernel_relative_weight', 'choice_kernel_step_size', 'forget_rate_unchosen', 'learn_rate_rew', 'learn_rate_unrew', 'softmax_inverse_temperature'],
    );
    expect(Object.keys(truth.photometry.channels)).toEqual(['G_1', 'G_2', 'R_1', 'R_2']);
    expect(Object.keys(truth.photometry.isosbestic)).toEqual(['Iso_1', 'Iso_2']);
    for (const ch of Object.values(truth.photometry.channels)) {
      expect(Math.abs(ch.rpe_gain)).toBeGreaterThan(0);
      expect(ch.rpe_offset).toBeGreaterThanOrEqual(0);
    }
    for (const s of truth.sessions) {
      expect(s.n_finished + s.n_ignored).toBe(opts.trials);
      expect(s.blocks.left.reduce((n, b) => n + b.n_trials, 0)).toBe(opts.trials);
      expect(Object.keys(s.photometry).sort()).toEqual(['G_1', 'G_2', 'Iso_1', 'Iso_2', 'R_1', 'R_2']);
    }
  });

  it('agrees with the HDF5 file it describes', async () => {
    await h5wasm.ready;
    const f = new h5wasm.File(hdf5File, 'r');
    try {
      const col = (name: string) => Array.from((f.get(`intervals/trials/${name}`) as Dataset).value as ArrayLike<number>);
      const response = col('animal_response');
      const s = truth.sessions[0];
      expect(response.filter((x) => x === 2).length).toBe(s.n_ignored);
      expect(col('rewarded_historyL').concat(col('rewarded_historyR')).filter((x) => x === 1).length).toBe(s.n_earned);
      expect(col('goCue_start_time')[0]).toBe(s.first_go_cue_rig_time);
      expect((f.get('general/subject/subject_id') as Dataset).value).toBe(truth.subject_id);
      expect((f.get('general/session_id') as Dataset).value).toBe(s.session_id);
    } finally {
      f.close();
    }
  });
});

type ZMeta = Record<string, Record<string, unknown>>;
const zmetadata = async (store: string) => JSON.parse(await readFile(path.join(store, '.zmetadata'), 'utf8')).metadata as ZMeta;

describe('layout equals the real Zarr NWB (hdmf-zarr)', () => {
  // What the generated files deliberately do differently from this 2024 recording.
  const absentFromOurs = [/^acquisition\/optogenetics_time\//, /^general\/subject\/(age|date_of_birth)\//, /^intervals\/trials\/lickspout_position_y\//];
  const rewardTypes = /^acquisition\/(left|right)_reward_delivery_time\/data\//; // 'earned'/'auto'/'manual' text, as newer files
  // our own descriptions and units for photometry; the real file calls right licks "left licks"
  const ownDescription = /^acquisition\/((G|R|Iso)_\d|right_lick_time\/\.zattrs)/;

  it('has every group and array of the real file, with the same dtypes, codecs and attribute names', async () => {
    const real = await zmetadata(REAL_ZARR);
    const ours = await zmetadata(zarrStore);
    for (const [key, realEntry] of Object.entries(real)) {
      if (absentFromOurs.some((r) => r.test(key))) {
        expect(ours[key], key).toBeUndefined();
        continue;
      }
      const entry = ours[key];
      expect(entry, key).toBeDefined();
      if (key.startsWith('specifications/')) {
        expect(entry, key).toEqual(realEntry);
      } else if (key.endsWith('.zarray')) {
        const pick = ({ dtype, filters, compressor, fill_value, order, zarr_format }: Record<string, unknown>) => ({ dtype, filters, compressor, fill_value, order, zarr_format });
        if (rewardTypes.test(key)) expect(entry.dtype, key).toBe('|O');
        else expect(pick(entry), key).toEqual(pick(realEntry));
      } else if (key.endsWith('.zattrs')) {
        expect(Object.keys(entry).sort(), key).toEqual(Object.keys(realEntry).sort());
        for (const name of ['namespace', 'neurodata_type', 'nwb_version', '.specloc', 'interval', 'conversion', 'offset', 'resolution']) {
          if (name in realEntry) expect(entry[name], `${key} ${name}`).toEqual(realEntry[name]);
        }
        if ('zarr_dtype' in realEntry && !rewardTypes.test(key)) expect(entry.zarr_dtype, key).toBe(realEntry.zarr_dtype);
        if ('description' in realEntry && !ownDescription.test(key)) expect(entry.description, key).toBe(realEntry.description);
      }
    }
  });

  it('keeps the trials columns and their order (lickspout y split into y1/y2 as newer files)', async () => {
    const real = (await zmetadata(REAL_ZARR))['intervals/trials/.zattrs'].colnames as string[];
    const ours = (await zmetadata(zarrStore))['intervals/trials/.zattrs'].colnames as string[];
    expect(ours).toEqual(real.flatMap((c) => (c === 'lickspout_position_y' ? ['lickspout_position_y1', 'lickspout_position_y2'] : [c])));
    const scratchReal = (await zmetadata(REAL_ZARR))['scratch/metadata/.zattrs'].colnames;
    expect((await zmetadata(zarrStore))['scratch/metadata/.zattrs'].colnames).toEqual(scratchReal);
  });

  it('adds the analysis-default photometry series next to the real ones', async () => {
    const ours = await zmetadata(zarrStore);
    for (const ch of ['G_1', 'R_2', 'Iso_1']) expect(ours[`acquisition/${ch}_dff-bright_mc-iso-IRLS/data/.zarray`], ch).toBeDefined();
  });
});

interface H5Node {
  kind: 'group' | 'dataset';
  attrs: string[];
  type?: { type: number; size: number; vlen: boolean; cset?: number; rank: number; enum?: unknown };
}

async function h5Layout(file: string): Promise<Map<string, H5Node>> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'r');
  const out = new Map<string, H5Node>();
  const walk = (g: Group, prefix: string) => {
    for (const name of g.keys()) {
      const p = `${prefix}/${name}`;
      if (p.startsWith('/specifications')) continue;
      const child = g.get(name);
      if (child instanceof h5wasm.Group) {
        out.set(p, { kind: 'group', attrs: Object.keys(child.attrs).sort() });
        walk(child, p);
      } else if (child instanceof h5wasm.Dataset) {
        const m = child.metadata;
        out.set(p, {
          kind: 'dataset',
          attrs: Object.keys(child.attrs).sort(),
          type: { type: m.type, size: m.size, vlen: m.vlen, cset: m.cset, rank: m.shape?.length ?? -1, enum: m.enum_type?.members },
        });
      }
    }
  };
  try {
    out.set('/', { kind: 'group', attrs: Object.keys(f.attrs).sort() });
    walk(f, '');
  } finally {
    f.close();
  }
  return out;
}

describe('layout equals the real HDF5 NWB (pynwb)', () => {
  it('matches every shared group and dataset in dtype, rank and attribute names', async () => {
    const real = await h5Layout(REAL_HDF5);
    const ours = await h5Layout(hdf5File);
    // Older-format /general fields our (newer-format) files do not carry.
    const olderOnly = ['/general/experiment_description', '/general/lab', '/general/notes', '/general/related_publications', '/general/subject/description', '/general/subject/weight'];
    let compared = 0;
    for (const [p, node] of real) {
      if (olderOnly.includes(p)) continue;
      const mine = ours.get(p);
      expect(mine, p).toBeDefined();
      expect(mine!.kind, p).toBe(node.kind);
      expect(mine!.attrs, p).toEqual(node.attrs);
      if (/_reward_delivery_time\/data$/.test(p)) expect(mine!.type!.vlen, p).toBe(true); // text reward types
      else expect(mine!.type, p).toEqual(node.type);
      compared++;
    }
    expect(compared).toBeGreaterThan(80);
    expect(ours.get('/general/protocol')?.type).toEqual(real.get('/general/protocol')?.type);
  });
});
