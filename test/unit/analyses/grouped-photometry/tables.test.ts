// Output tables of the grouped analysis: each column has one declared type whatever the session's
// source (older files store numbers where newer ones store text), so a mouse's tables concatenate.
import { describe, expect, it } from 'vitest';
import {
  binColumn,
  concatSessionRows,
  eventsTable,
  rpeSlopeTable,
  writerTable,
} from '../../../../src/analyses/grouped-photometry/tables.js';
import type { Column as NwbColumn, Table } from '../../../../src/nwb/types.js';
import { QCH_BIN_LABELS, RPE_BIN_LABELS } from '../../../../src/science/bins.js';
import type { Column } from '../../../../src/tables/index.js';

function table(entries: Record<string, NwbColumn>, rowCount: number): Table {
  return { columns: Object.keys(entries), rowCount, data: entries };
}
const num = (...values: number[]): NwbColumn => ({ kind: 'number', dtype: 'float64', values: Float64Array.from(values) });
const str = (...values: (string | null)[]): NwbColumn => ({ kind: 'string', values });
const byName = (columns: readonly Column[], name: string) => columns.find((c) => c.name === name);

describe('df_events', () => {
  const cue = str('goCue_start_time', 'left_reward_delivery_time', 'left_lick_time');
  const base = { timestamps: num(0, 1, 2) };

  it('numeric data (older files) is a float64 data column, with an empty data_text', () => {
    const t = eventsTable(table({ ...base, data: num(1, 1, Number.NaN), event: cue, trial: { kind: 'number', dtype: 'int64', values: Float64Array.of(0, 0, 0) } }, 3), 's');
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([
      ['timestamps', 'float64'],
      ['data', 'float64'],
      ['data_text', 'string'],
      ['event', 'string'],
      ['trial', 'int64'],
      ['ses_idx', 'string'],
    ]);
    expect(Array.from(byName(t.columns, 'data')!.values as Float64Array)).toEqual([1, 1, Number.NaN]);
    expect(byName(t.columns, 'data_text')!.values).toEqual([null, null, null]);
  });

  it('text data (reward types of newer files) goes to data_text, NaN in data', () => {
    const mixed: NwbColumn = { kind: 'mixed', values: [1, 'earned', Number.NaN] };
    const t = eventsTable(table({ ...base, data: mixed, event: cue }, 3), 's');
    expect(byName(t.columns, 'data')!.kind).toBe('float64');
    expect(Array.from(byName(t.columns, 'data')!.values as Float64Array)).toEqual([1, Number.NaN, Number.NaN]);
    expect(byName(t.columns, 'data_text')!.values).toEqual([null, 'earned', null]);
  });
});

describe('df_trials reward types', () => {
  it('are text in every session: numbers of older files as Python prints them, NaN missing', () => {
    const older = writerTable(table({ left_reward_type: num(1, Number.NaN), right_reward_type: num(Number.NaN, 1) }, 2));
    const newer = writerTable(table({ left_reward_type: str('earned', null), right_reward_type: { kind: 'mixed', values: [Number.NaN, 'auto'] } }, 2));
    expect(older).toEqual([
      { name: 'left_reward_type', kind: 'string', values: ['1.0', null] },
      { name: 'right_reward_type', kind: 'string', values: [null, '1.0'] },
    ]);
    expect(newer).toEqual([
      { name: 'left_reward_type', kind: 'string', values: ['earned', null] },
      { name: 'right_reward_type', kind: 'string', values: [null, 'auto'] },
    ]);
  });
});

describe('bin columns', () => {
  it('declare the fixed labels in bin-edge order, whatever the session holds', () => {
    const rpe = binColumn('RPE-binned3', Int8Array.of(4, -1, 2), RPE_BIN_LABELS);
    expect(rpe).toEqual({ name: 'RPE-binned3', kind: 'category', ordered: true, categories: RPE_BIN_LABELS, values: ['0.33', null, '-0.33'] });
    expect(binColumn('Qch-binned3', Int8Array.of(), QCH_BIN_LABELS).categories).toEqual(QCH_BIN_LABELS);
  });
});

describe('sessions and rpe_slope dates', () => {
  it('session_date is a timestamp like rpe_slope.date', () => {
    const row = (date: string) => table({ subject_id: str('1'), session_date: str(date), total_trials: { kind: 'number', dtype: 'int64', values: Float64Array.of(10) } }, 1);
    const columns = concatSessionRows([row('2024-08-07'), row('2024-08-09')]);
    const slope = rpeSlopeTable([{ subjectId: '1', date: '2024-08-07', channel: 'G_1', pos: 1, neg: 2 }]);
    expect(byName(columns, 'session_date')).toEqual({
      name: 'session_date',
      kind: 'timestamp',
      values: Float64Array.of(Date.UTC(2024, 7, 7), Date.UTC(2024, 7, 9)),
    });
    expect(byName(slope.columns, 'date')).toEqual({ name: 'date', kind: 'timestamp', values: Float64Array.of(Date.UTC(2024, 7, 7)) });
  });
});

describe('sessions table columns that older and newer files store differently', () => {
  const int = (v: number): NwbColumn => ({ kind: 'number', dtype: 'int64', values: Float64Array.of(v) });
  const older = table({ nwb_suffix: int(111244), rig: int(0), user_name: int(0), if_overriden_by_trainer: str(null) }, 1);
  const newer = table({ nwb_suffix: str('090102'), rig: str('446-7-D'), user_name: str(null), if_overriden_by_trainer: num(Number.NaN) }, 1);

  it('are text in every mouse (integers printed without a fraction)', () => {
    for (const [rows, expected] of [
      [[older], [['111244'], ['0'], ['0'], [null]]],
      [[newer], [['090102'], ['446-7-D'], [null], [null]]],
      [[older, newer], [['111244', '090102'], ['0', '446-7-D'], ['0', null], [null, null]]],
    ] as const) {
      const columns = concatSessionRows(rows);
      expect(columns.map((c) => [c.name, c.kind, c.values])).toEqual(
        ['nwb_suffix', 'rig', 'user_name', 'if_overriden_by_trainer'].map((n, i) => [n, 'string', expected[i]]),
      );
    }
  });
});
