// What to generate: the mice of a data set, each with its own agent parameters, photometry truth
// and a run of daily sessions (ids, dates, file formats, seeds). Pure and seeded; the per-mouse
// streams are keyed by the mouse index, so mouse k is the same whatever `mice` is.

import { sampleAgentParams, type QAgentParams } from './agent.js';
import { samplePhotometryTruth, type PhotometryTruth } from './photometry.js';
import { Rng, streamSeed } from './random.js';

export type FileFormat = 'hdf5' | 'zarr';
export type FormatChoice = FileFormat | 'mixed';

export interface DatasetOptions {
  seed: number;
  mice: number;
  sessions: number;
  trials: number;
  format: FormatChoice;
  /** Signal channels, e.g. ["G_1", "G_2"]; the fibres' isosbestic channels are added. */
  channels: readonly string[];
  /** Leave Saturdays and Sundays out of the daily schedule. */
  skipWeekends: boolean;
}

export const DEFAULT_OPTIONS: Omit<DatasetOptions, 'seed'> = {
  mice: 3,
  sessions: 20,
  trials: 400,
  format: 'mixed',
  channels: ['G_1', 'G_2'],
  skipWeekends: false,
};

export interface SessionPlan {
  index: number;
  /** `behavior_<subject>_<YYYY-MM-DD>_<HH-MM-SS>`, also the file name without `.nwb`. */
  sessionId: string;
  date: string;
  /** Local wall-clock start, HH:MM:SS. */
  startTime: string;
  format: FileFormat;
  seed: number;
}

export interface MousePlan {
  index: number;
  subjectId: string;
  seed: number;
  agent: QAgentParams;
  ignoreProbability: number;
  photometry: PhotometryTruth;
  sessions: SessionPlan[];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function isoDate(dayNumber: number): string {
  const d = new Date(dayNumber * 86_400_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Consecutive training days from `firstDay` (days since 1970-01-01), optionally weekdays only. */
function trainingDays(firstDay: number, count: number, skipWeekends: boolean): number[] {
  const days: number[] = [];
  for (let day = firstDay; days.length < count; day++) {
    const weekday = new Date(day * 86_400_000).getUTCDay();
    if (!skipWeekends || (weekday !== 0 && weekday !== 6)) days.push(day);
  }
  return days;
}

/** Older sessions on HDF5, newer ones on Zarr, as the lab's history has them. */
function formatOf(choice: FormatChoice, index: number, count: number): FileFormat {
  if (choice !== 'mixed') return choice;
  return index < Math.ceil(count / 2) ? 'hdf5' : 'zarr';
}

export function validateOptions(opts: DatasetOptions): void {
  const positiveInt = (name: string, v: number, max: number) => {
    if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`${name} must be an integer in 1..${max}, got ${v}`);
  };
  positiveInt('mice', opts.mice, 1000);
  positiveInt('sessions', opts.sessions, 1000);
  positiveInt('trials', opts.trials, 5000);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  if (!['hdf5', 'zarr', 'mixed'].includes(opts.format)) throw new RangeError(`format must be hdf5, zarr or mixed, got ${opts.format}`);
}

export function planMouse(opts: DatasetOptions, index: number): MousePlan {
  const seed = streamSeed(opts.seed, 'mouse', index);
  const rng = new Rng(seed);
  const subjectBase = 700_000 + ((streamSeed(opts.seed, 'subjects') >>> 0) % 200_000);
  const subjectId = String(subjectBase + index);
  const agent = sampleAgentParams(rng);
  const ignoreProbability = rng.between(0.01, 0.04);
  const photometry = samplePhotometryTruth(opts.channels, Rng.stream(seed, 'photometry-truth'));
  // Sessions from 2025 on: the reference's trial-table checks are strict (they raise) from then.
  const firstDay = Math.floor(Date.UTC(2025, 2, 3) / 86_400_000) + rng.int(0, 180);
  const sessions = trainingDays(firstDay, opts.sessions, opts.skipWeekends).map((day, i): SessionPlan => {
    const secondOfDay = rng.int(8 * 3600, 15 * 3600);
    const hh = pad(Math.floor(secondOfDay / 3600));
    const mm = pad(Math.floor(secondOfDay / 60) % 60);
    const ss = pad(secondOfDay % 60);
    const date = isoDate(day);
    return {
      index: i,
      sessionId: `behavior_${subjectId}_${date}_${hh}-${mm}-${ss}`,
      date,
      startTime: `${hh}:${mm}:${ss}`,
      format: formatOf(opts.format, i, opts.sessions),
      seed: streamSeed(seed, 'session', i),
    };
  });
  return { index, subjectId, seed, agent, ignoreProbability, photometry, sessions };
}
