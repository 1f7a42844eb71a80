// One synthetic session, everything a writer needs: behaviour, photometry and metadata. Pure.

import { synthesizePhotometry, type PhotometrySession } from './photometry.js';
import type { MousePlan, SessionPlan } from './plan.js';
import { Rng } from './random.js';
import { DEFAULT_TASK, simulateBehavior, type BehaviorSession, type TaskConfig } from './task.js';

/** Sessions are stamped with the lab's local offset (Pacific daylight time, as the real Zarr file). */
export const UTC_OFFSET = '-07:00';

export interface SessionMetadata {
  subjectId: string;
  sessionId: string;
  /** ISO 8601 with offset, e.g. 2025-03-04T09:12:00-07:00. */
  sessionStartTime: string;
  /** ISO 8601 in UTC with microseconds, like pynwb writes it. */
  fileCreateDate: string;
  /** Local end time as the GUI logs it in scratch metadata, "YYYY-MM-DD HH:MM:SS.ffffff". */
  sessionEndTime: string;
  runTimeMinutes: number;
  box: string;
  experimenter: string;
  identifier: string;
  water: { foraging: number; manual: number; total: number; afterSession: number; dayTotal: number };
  weight: { base: number; target: number; targetRatio: number; after: number };
}

export interface SessionData {
  plan: SessionPlan;
  task: TaskConfig;
  metadata: SessionMetadata;
  behavior: BehaviorSession;
  photometry: PhotometrySession;
  /** Rig-clock span of the photometry recording. */
  recording: { start: number; end: number };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall-clock fields of a UTC-based millisecond count, "YYYY-MM-DD HH:MM:SS.ffffff". */
function formatWallClock(ms: number, sep: string): string {
  const d = new Date(ms);
  const micro = pad(Math.round((ms - Math.floor(ms / 1000) * 1000) * 1000), 6);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${micro}`
  );
}

export function taskConfigFor(mouse: MousePlan, nTrials: number): TaskConfig {
  return { ...DEFAULT_TASK, nTrials, ignoreProbability: mouse.ignoreProbability };
}

export function simulateSession(mouse: MousePlan, plan: SessionPlan, nTrials: number): SessionData {
  const rng = Rng.stream(plan.seed, 'metadata');
  const task = taskConfigFor(mouse, nTrials);
  // Rig (Harp) clock: seconds since the rig booted, millions of seconds in real files.
  const firstTrialStart = Math.round(rng.between(1e6, 5e6) * 1e6) / 1e6;
  const behavior = simulateBehavior(task, mouse.agent, firstTrialStart, Rng.stream(plan.seed, 'behavior'));
  const lastStop = behavior.trials.stop_time[nTrials - 1];
  const recording = { start: firstTrialStart - rng.between(20, 40), end: lastStop + rng.between(5, 15) };
  const photometry = synthesizePhotometry(mouse.photometry, behavior, recording.start, recording.end, Rng.stream(plan.seed, 'photometry'));

  const [y, mo, d] = plan.date.split('-').map(Number);
  const [hh, mm, ss] = plan.startTime.split(':').map(Number);
  const localStartMs = Date.UTC(y, mo - 1, d, hh, mm, ss);
  const durationMs = Math.round((lastStop - recording.start + 30) * 1000);
  const offsetHours = Number(UTC_OFFSET.slice(0, 3));
  const createMs = localStartMs - offsetHours * 3_600_000 + durationMs + rng.int(600, 7200) * 1000 + rng.int(0, 999) + 0.5;

  let earned = 0;
  let auto = 0;
  let manual = 0;
  for (const side of [behavior.deliveries.left, behavior.deliveries.right]) {
    for (const type of side.types) {
      if (type === 'earned') earned++;
      else if (type === 'auto') auto++;
      else manual++;
    }
  }
  const dropMl = task.rewardSizeMicroliters / 1000;
  const foraging = (earned + auto) * dropMl;
  const manualMl = manual * dropMl;
  const baseWeight = Math.round(rng.between(22, 30) * 10) / 10;
  const targetRatio = 0.85;
  const afterSession = Math.round(rng.between(0, 1) * 1000) / 1000;

  return {
    plan,
    task,
    behavior,
    photometry,
    recording,
    metadata: {
      subjectId: mouse.subjectId,
      sessionId: plan.sessionId,
      sessionStartTime: `${plan.date}T${plan.startTime}${UTC_OFFSET}`,
      fileCreateDate: `${formatWallClock(createMs, 'T')}+00:00`,
      sessionEndTime: formatWallClock(localStartMs + durationMs, ' '),
      runTimeMinutes: Math.round(durationMs / 60_000),
      box: `446-${1 + (mouse.index % 9)}-${'ABCD'[mouse.index % 4]}`,
      experimenter: 'synthetic',
      identifier: rng.uuid4(),
      water: {
        foraging,
        manual: manualMl,
        total: foraging + manualMl,
        afterSession,
        dayTotal: foraging + manualMl + afterSession,
      },
      weight: {
        base: baseWeight,
        target: Math.round(baseWeight * targetRatio * 1000) / 1000,
        targetRatio,
        after: Math.round(baseWeight * rng.between(0.83, 0.9) * 10) / 10,
      },
    },
  };
}
