// Figure rows of the grouped photometry analysis on the real Zarr session (725 trials, 672
// finished; the recording stops ~11 min before the last go cue): every legend count is the number
// of trials (or sessions) its trace averages.
import { beforeAll, describe, expect, it } from 'vitest';
import { averageTraces, psthRow } from '../../../../src/analyses/grouped-photometry/figures.js';
import { groupedPhotometry } from '../../../../src/analyses/grouped-photometry/index.js';
import type { SessionPartial } from '../../../../src/analyses/grouped-photometry/session.js';
import type { FigureRow } from '../../../../src/figures/index.js';
import { openNwb } from '../../../../src/nwb/open.js';
import { readSession } from '../../../../src/nwb/session.js';
import { getTimeArray } from '../../../../src/science/photometry.js';
import { PSTH_RATE } from '../../../../src/science/psth.js';
import { ZARR } from '../../nwb/fixtures.js';
import { bodyBytes } from '../../../support/outputs.js';

const spec = groupedPhotometry.parameters.schema.parse({ channels: { G_1: 'NAc', G_2: 'VTA' }, preprocessing: 'preprocessed' });
const time = getTimeArray(spec.psth_window_s[0], spec.psth_window_s[1], PSTH_RATE);

/** Per panel title, each legend entry as [label, n] (n undefined for "(no data)" or no count). */
function counts(row: FigureRow): Record<string, [string, number | undefined][]> {
  return Object.fromEntries(
    row.panels
      .filter((p) => p.legend?.length)
      .map((p) => [
        p.title!,
        p.legend!.map((e): [string, number | undefined] => {
          const m = /^(.*) \(n=(\d+)\)$/.exec(e.label);
          return m ? [m[1], Number(m[2])] : [e.label, undefined];
        }),
      ]),
  );
}
const total = (entries: [string, number | undefined][]) => entries.reduce((a, [, n]) => a + (n ?? 0), 0);

describe('PSTH legend counts', () => {
  let partial: SessionPartial;

  beforeAll(async () => {
    const session = await readSession(await openNwb(ZARR), groupedPhotometry.sessionRequest(spec));
    partial = groupedPhotometry.perSession.run(session, spec, { subjectId: '717531', warn: () => undefined }).partial;
  }, 60_000);

  it('one session: outcome groups count the finished trials the traces average, as the choice groups do', () => {
    const c = counts(psthRow([partial], 'G_1', time, spec, 'one session'));
    const choice = c['choice side'];
    const outcome = c['outcome (earned reward)'];
    expect(choice.map(([label]) => label)).toEqual(['left', 'right', 'ignore (no data)']);
    expect(outcome.map(([label]) => label)).toEqual(['rewarded', 'unrewarded']);
    const chosen = total(choice);
    // Ignored trials have no choice time: nothing of theirs is averaged, at choice or by outcome.
    expect(total(outcome)).toBe(chosen);
    // Finished trials after the recording's end have no signal either: not counted. What is left
    // are the finished trials with a response-window average (589 of 672 here).
    const r = partial.trials.animalResponse;
    const withSignal = r.filter((x, i) => (x === 0 || x === 1) && Number.isFinite(partial.channels.G_1.avg[i])).length;
    expect(withSignal).toBeLessThan(partial.finishedTrials);
    expect(chosen).toBe(withSignal);
    // RPE and Q bins hold finished trials only (trials outside every bin are left out).
    expect(total(c['RPE bins'])).toBeLessThanOrEqual(chosen);
    expect(total(c['Q chosen bins'])).toBeLessThanOrEqual(chosen);
  });

  it('several sessions: n counts the sessions whose trace has data, not those with only empty events', () => {
    const stat = (value: number, events: number) => ({ mean: new Float64Array(4).fill(value), sem: new Float64Array(4).fill(0.1), events });
    const averaged = averageTraces([stat(1, 20), stat(NaN, 5), null, stat(3, 7)], 4);
    expect(averaged.n).toBe(2);
    expect([...averaged.mean]).toEqual([2, 2, 2, 2]);
    expect(averageTraces([stat(NaN, 5), stat(2, 9)], 4)).toMatchObject({ n: 1, mean: new Float64Array(4).fill(2) });
    expect(averageTraces([stat(NaN, 5)], 4).n).toBe(0);
    // averaged over sessions, a label only one session has is one session (no band), not its trials
    const alone = averageTraces([stat(1, 20), null, stat(NaN, 5)], 4, true);
    expect(alone.n).toBe(1);
    expect(alone.band === undefined || alone.band.every(Number.isNaN)).toBe(true);
    expect(averageTraces([stat(1, 20)], 4, false)).toMatchObject({ n: 20, band: new Float64Array(4).fill(0.1) });

    const c = counts(psthRow([partial, partial, partial], 'G_1', time, spec, 'three sessions'));
    expect(c['choice side']).toEqual([
      ['left', 3],
      ['right', 3],
      ['ignore (no data)', undefined],
    ]);
    expect(c['outcome (earned reward)']).toEqual([
      ['rewarded', 3],
      ['unrewarded', 3],
    ]);
  });

  it('a row over several sessions counts sessions, also where one session has the channel', async () => {
    const other: SessionPartial = { ...partial, sesIdx: '717531_2024-08-08', sessionDate: '2024-08-08', channels: { G_1: partial.channels.G_1 } };
    const c = counts(psthRow([partial, other], 'G_2', time, spec, 'G_2'));
    expect(c['choice side'].slice(0, 2)).toEqual([
      ['left', 1],
      ['right', 1],
    ]);
    // and the average figure says how many of its sessions a channel's row is made of
    const g = await groupedPhotometry.group(
      [
        { uri: 'file:///a.nwb', partial },
        { uri: 'file:///b.nwb', partial: other },
      ],
      spec,
      { subjectId: '717531', warn: () => undefined },
    );
    const svg = Buffer.from(bodyBytes(g.files.find((f) => f.name === 'figures/avg_signal_717531.svg')!.body)).toString('utf8');
    expect(svg).toContain('average of the last 2 sessions');
    expect(svg).toContain('>G_1 (NAc)</text>');
    expect(svg).toContain('>G_2 (VTA) · 1 of the 2 sessions</text>');
  }, 60_000);
});
