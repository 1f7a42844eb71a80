// Fiber-photometry signals of a synthetic session, at the FIP system's 20 Hz per channel with the
// three colours interleaved in each 50 ms frame cycle. Each signal channel's true dF/F is a
// choice-aligned transient whose amplitude is planted as `gain * RPE_earned + offset`, plus slow
// drift and noise; the raw trace multiplies it onto a bleaching baseline and adds the fibre's
// motion artefact, which the fibre's isosbestic channel shares. Pure: truth and a stream in.

import type { Rng } from './random.js';
import type { BehaviorSession } from './task.js';

/** The analysis' default preprocessing suffix (`{channel}_{method}`), written as its own series. */
export const PREPROCESSING_METHOD = 'dff-bright_mc-iso-IRLS';

const FRAME_PERIOD = 0.05;
/** Offset of each colour's exposure within a frame cycle (rising edge at 0). */
const COLOUR_OFFSET: Record<Colour, number> = { G: 0, Iso: 0.0167, R: 0.0333 };
const FALLING_EDGE_DELAY = 0.0153;
/** The transient is added over this long after the choice (the kernel is ~e^-8 by then). */
const KERNEL_SPAN = 4;

export type Colour = 'G' | 'R' | 'Iso';

export interface Bleaching {
  /** Baseline = F0 * (fastFraction * exp(-t/fastTau) + (1 - fastFraction) * exp(-t/slowTau)). */
  baselineCounts: number;
  fastFraction: number;
  fastTau: number;
  slowTau: number;
}

export interface SignalChannelTruth {
  name: string;
  colour: 'G' | 'R';
  fiber: number;
  /** Planted transient amplitude (dF/F) = rpeGain * RPE_earned + rpeOffset. */
  rpeGain: number;
  rpeOffset: number;
  /** Multiplier of the fibre's motion artefact in this channel (the isosbestic has 1). */
  motionCoupling: number;
  /** SD of the white noise in dF/F. */
  noiseSd: number;
  /** Peak amplitude (dF/F) of the slow drift (sum of three slow sinusoids). */
  driftAmplitude: number;
  bleaching: Bleaching;
}

export interface IsoChannelTruth {
  name: string;
  fiber: number;
  noiseSd: number;
  bleaching: Bleaching;
}

export interface PhotometryTruth {
  samplingRateHz: number;
  /** Transient shape: (exp(-t/decayTau) - exp(-t/riseTau)) scaled to peak 1, t = time after choice. */
  kernel: { riseTau: number; decayTau: number };
  motion: { eventsPerMinute: number; minDepth: number; maxDepth: number; minDuration: number; maxDuration: number };
  channels: SignalChannelTruth[];
  iso: IsoChannelTruth[];
}

const CHANNEL_NAME = /^(G|R)_([0-4])$/;

/** Checks a list like ["G_1", "R_2"]: green/red channels of fibres 0-4 (isosbestics are implied). */
export function parseChannels(names: readonly string[]): { colour: 'G' | 'R'; fiber: number; name: string }[] {
  if (names.length === 0) throw new RangeError('at least one photometry channel is needed');
  const seen = new Set<string>();
  return names.map((name) => {
    const m = CHANNEL_NAME.exec(name);
    if (!m) throw new RangeError(`channel "${name}" is not G_k or R_k with k in 0..4 (Iso_k is added per fibre)`);
    if (seen.has(name)) throw new RangeError(`channel "${name}" is listed twice`);
    seen.add(name);
    return { colour: m[1] as 'G' | 'R', fiber: Number(m[2]), name };
  });
}

function sampleBleaching(rng: Rng, baselineCounts: number): Bleaching {
  return {
    baselineCounts,
    fastFraction: rng.between(0.1, 0.3),
    fastTau: rng.between(200, 600),
    slowTau: rng.between(4000, 12000),
  };
}

/** One mouse's photometry ground truth (constant over its sessions). */
export function samplePhotometryTruth(channelNames: readonly string[], rng: Rng): PhotometryTruth {
  const parsed = parseChannels(channelNames);
  const channels = parsed.map(({ name, colour, fiber }): SignalChannelTruth => ({
    name,
    colour,
    fiber,
    rpeGain: rng.between(0.02, 0.06) * (rng.bernoulli(0.8) ? 1 : -1),
    rpeOffset: rng.between(0, 0.015),
    motionCoupling: rng.between(0.6, 1.2),
    noiseSd: rng.between(0.004, 0.01),
    driftAmplitude: rng.between(0.005, 0.02),
    bleaching: sampleBleaching(rng, colour === 'G' ? rng.between(6000, 20000) : rng.between(250, 2000)),
  }));
  const fibers = [...new Set(parsed.map((c) => c.fiber))].sort((a, b) => a - b);
  const iso = fibers.map(
    (fiber): IsoChannelTruth => ({
      name: `Iso_${fiber}`,
      fiber,
      noiseSd: rng.between(0.002, 0.005),
      bleaching: sampleBleaching(rng, rng.between(1000, 3000)),
    }),
  );
  return {
    samplingRateHz: 1 / FRAME_PERIOD,
    kernel: { riseTau: 0.08, decayTau: 0.5 },
    motion: { eventsPerMinute: 1, minDepth: 0.02, maxDepth: 0.08, minDuration: 0.3, maxDuration: 1.5 },
    channels,
    iso,
  };
}

/** Peak of exp(-t/d) - exp(-t/r) (at t* = ln(d/r) r d / (d - r)), to scale the kernel to 1. */
function kernelPeak(riseTau: number, decayTau: number): number {
  const tPeak = (Math.log(decayTau / riseTau) * riseTau * decayTau) / (decayTau - riseTau);
  return Math.exp(-tPeak / decayTau) - Math.exp(-tPeak / riseTau);
}

/** Mean of the unit-peak kernel over [a, b] s after the choice (closed form). */
export function kernelWindowMean(kernel: PhotometryTruth['kernel'], a: number, b: number): number {
  const { riseTau: r, decayTau: d } = kernel;
  const integral = (tau: number) => tau * (Math.exp(-a / tau) - Math.exp(-b / tau));
  return (integral(d) - integral(r)) / (b - a) / kernelPeak(r, d);
}

export interface PhotometrySeries {
  /** Series name under /acquisition, e.g. "G_1", "G_1_preprocessed". */
  name: string;
  timestamps: Float64Array;
  data: Float64Array;
}

export interface ChannelStats {
  /** Sample SD (ddof 1) of the `_preprocessed` and motion-corrected series, for expected z-slopes. */
  preprocessedSd: number;
  motionCorrectedSd: number;
}

export interface PhotometrySession {
  series: PhotometrySeries[];
  fipRising: Float64Array;
  fipFalling: Float64Array;
  stats: Record<string, ChannelStats>;
}

interface MotionEvent {
  start: number;
  duration: number;
  depth: number;
}

/** Sum of raised-cosine dips (events sorted by start), read forward in time with a cursor. */
class MotionTrace {
  private cursor = 0;
  constructor(private readonly events: MotionEvent[]) {}
  /** Value at t; calls must come with non-decreasing t. */
  at(t: number): number {
    while (this.cursor < this.events.length && this.events[this.cursor].start + this.events[this.cursor].duration < t) {
      this.cursor++;
    }
    let v = 0;
    for (let k = this.cursor; k < this.events.length && this.events[k].start <= t; k++) {
      const e = this.events[k];
      const x = (t - e.start) / e.duration;
      if (x <= 1) v -= e.depth * 0.5 * (1 - Math.cos(2 * Math.PI * x));
    }
    return v;
  }
}

function motionEvents(truth: PhotometryTruth, start: number, end: number, rng: Rng): MotionEvent[] {
  const m = truth.motion;
  const events: MotionEvent[] = [];
  for (let t = start + rng.exponential(60 / m.eventsPerMinute); t < end; t += rng.exponential(60 / m.eventsPerMinute)) {
    events.push({ start: t, duration: rng.between(m.minDuration, m.maxDuration), depth: rng.between(m.minDepth, m.maxDepth) });
  }
  return events;
}

function baseline(b: Bleaching, t: number): number {
  return b.baselineCounts * (b.fastFraction * Math.exp(-t / b.fastTau) + (1 - b.fastFraction) * Math.exp(-t / b.slowTau));
}

function sampleSd(x: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i] - mean) * (x[i] - mean);
  return Math.sqrt(ss / (x.length - 1));
}

/** Adds amplitude * kernel(t - choice) to `out` for each responded trial. */
function addTransients(
  out: Float64Array,
  ts: Float64Array,
  behavior: BehaviorSession,
  ch: SignalChannelTruth,
  kernel: PhotometryTruth['kernel'],
): void {
  const { choiceTime, rpeEarned } = behavior.latents;
  const scale = 1 / kernelPeak(kernel.riseTau, kernel.decayTau);
  let j = 0;
  for (let i = 0; i < choiceTime.length; i++) {
    const tc = choiceTime[i];
    if (Number.isNaN(tc)) continue;
    const amplitude = (ch.rpeGain * rpeEarned[i] + ch.rpeOffset) * scale;
    while (j < ts.length && ts[j] < tc) j++;
    for (let k = j; k < ts.length && ts[k] < tc + KERNEL_SPAN; k++) {
      const dt = ts[k] - tc;
      out[k] += amplitude * (Math.exp(-dt / kernel.decayTau) - Math.exp(-dt / kernel.riseTau));
    }
  }
}

/**
 * Synthesises all series of a session recorded from `start` to `end` (rig clock). Per channel:
 * raw `{ch}`, `{ch}_preprocessed` (= raw / bleaching baseline - 1, motion still in) and
 * `{ch}_${PREPROCESSING_METHOD}` (motion removed: the true dF/F).
 */
export function synthesizePhotometry(
  truth: PhotometryTruth,
  behavior: BehaviorSession,
  start: number,
  end: number,
  rng: Rng,
): PhotometrySession {
  const nFrames = Math.floor((end - start) / FRAME_PERIOD);
  const rising = new Float64Array(nFrames);
  const falling = new Float64Array(nFrames);
  for (let k = 0; k < nFrames; k++) {
    rising[k] = start + k * FRAME_PERIOD + 2e-5 * (rng.uniform() - 0.5);
    falling[k] = rising[k] + FALLING_EDGE_DELAY;
  }
  const timestampsOf = (colour: Colour) => {
    const ts = new Float64Array(nFrames);
    for (let k = 0; k < nFrames; k++) ts[k] = rising[k] + COLOUR_OFFSET[colour];
    return ts;
  };
  const timestamps: Record<Colour, Float64Array> = { G: timestampsOf('G'), R: timestampsOf('R'), Iso: timestampsOf('Iso') };
  const motionByFiber = new Map(truth.iso.map((iso) => [iso.fiber, motionEvents(truth, start, end, rng)]));
  const series: PhotometrySeries[] = [];
  const stats: Record<string, ChannelStats> = {};

  const emit = (name: string, ts: Float64Array, raw: Float64Array, preprocessed: Float64Array, corrected: Float64Array) => {
    series.push({ name, timestamps: ts, data: raw });
    series.push({ name: `${name}_preprocessed`, timestamps: ts, data: preprocessed });
    series.push({ name: `${name}_${PREPROCESSING_METHOD}`, timestamps: ts, data: corrected });
    stats[name] = { preprocessedSd: sampleSd(preprocessed), motionCorrectedSd: sampleSd(corrected) };
  };

  for (const ch of truth.channels) {
    const ts = timestamps[ch.colour];
    const dff = new Float64Array(nFrames);
    addTransients(dff, ts, behavior, ch, truth.kernel);
    const periods = [rng.between(120, 300), rng.between(300, 600), rng.between(600, 1200)];
    const phases = periods.map(() => rng.between(0, 2 * Math.PI));
    for (let k = 0; k < nFrames; k++) {
      const t = ts[k] - start;
      let drift = 0;
      for (let j = 0; j < 3; j++) drift += Math.sin((2 * Math.PI * t) / periods[j] + phases[j]);
      dff[k] += (ch.driftAmplitude / 3) * drift + ch.noiseSd * rng.normal();
    }
    const motion = new MotionTrace(motionByFiber.get(ch.fiber) ?? []);
    const raw = new Float64Array(nFrames);
    const preprocessed = new Float64Array(nFrames);
    const corrected = new Float64Array(nFrames);
    for (let k = 0; k < nFrames; k++) {
      const artefact = ch.motionCoupling * motion.at(ts[k]);
      const f0 = baseline(ch.bleaching, ts[k] - start);
      raw[k] = f0 * (1 + dff[k] + artefact);
      preprocessed[k] = raw[k] / f0 - 1;
      corrected[k] = preprocessed[k] - artefact;
    }
    emit(ch.name, ts, raw, preprocessed, corrected);
  }

  for (const iso of truth.iso) {
    const ts = timestamps.Iso;
    const motion = new MotionTrace(motionByFiber.get(iso.fiber) ?? []);
    const raw = new Float64Array(nFrames);
    const preprocessed = new Float64Array(nFrames);
    const corrected = new Float64Array(nFrames);
    for (let k = 0; k < nFrames; k++) {
      const artefact = motion.at(ts[k]);
      const f0 = baseline(iso.bleaching, ts[k] - start);
      raw[k] = f0 * (1 + artefact + iso.noiseSd * rng.normal());
      preprocessed[k] = raw[k] / f0 - 1;
      corrected[k] = preprocessed[k] - artefact;
    }
    emit(iso.name, ts, raw, preprocessed, corrected);
  }

  return { series, fipRising: rising, fipFalling: falling, stats };
}
