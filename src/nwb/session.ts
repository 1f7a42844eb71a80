/**
 * Reads one dynamic-foraging session from an open NWB source into typed, columnar data:
 * metadata, the whole trials table, the acquisition event series, and only the photometry
 * channels asked for.
 */

import { NwbError } from './errors.js';
import { missingField, type NwbFormat, type NwbSource } from './source.js';
import { columnLength, type Column, type Table } from './types.js';

export interface SessionReadRequest {
  /** Photometry series to read by name (`G_1`, `Iso_2_preprocessed`, ...); none by default. */
  readonly channels?: readonly string[];
  /**
   * A requested channel the file lacks: 'error' (default) raises NwbError; 'skip' leaves it out
   * of `photometry` (the analysis sees it missing and reports it, e.g. one session of many).
   */
  readonly missingChannels?: 'error' | 'skip';
  /** Non-photometry acquisition series to read; all of them by default. */
  readonly events?: readonly string[] | 'all';
}

export interface TimeSeries {
  readonly name: string;
  readonly timestamps: Float64Array;
  readonly data: Column;
}

export interface SessionMetadata {
  readonly sessionId: string;
  readonly subjectId: string;
  /** ISO 8601 with offset, as stored. */
  readonly sessionStartTime: string;
  readonly sessionDescription: string | null;
  readonly protocol: string | null;
  readonly experimenter: readonly string[] | null;
  readonly experimentDescription: string | null;
  readonly institution: string | null;
  readonly subjectDescription: string | null;
  readonly subjectWeight: string | null;
  readonly nwbVersion: string | null;
  /** `scratch/metadata` (rig box, weights, water) written by newer acquisition code. */
  readonly scratchMetadata: Table | null;
}

export interface SkippedColumn {
  readonly column: string;
  readonly reason: string;
}

export interface LoadedSession {
  readonly file: string;
  readonly format: NwbFormat;
  readonly metadata: SessionMetadata;
  /** `id` first, then the NWB `colnames` order. */
  readonly trials: Table;
  readonly skippedTrialColumns: readonly SkippedColumn[];
  readonly events: Readonly<Record<string, TimeSeries>>;
  readonly photometry: Readonly<Record<string, TimeSeries>>;
  /** Every series present in the file, read or not. */
  readonly available: { readonly events: readonly string[]; readonly photometry: readonly string[] };
}

/** Trial columns that every dynamic-foraging session has and the per-session tables need. */
export const REQUIRED_TRIAL_COLUMNS = [
  'start_time',
  'stop_time',
  'animal_response',
  'rewarded_historyL',
  'rewarded_historyR',
  'goCue_start_time',
  'response_duration',
] as const;

/** Event series `create_df_trials` maps onto trials. */
export const REQUIRED_EVENTS = [
  'left_lick_time',
  'right_lick_time',
  'left_reward_delivery_time',
  'right_reward_delivery_time',
] as const;

/** Columns whose absence means the file is not a dynamic-foraging session at all. */
const TASK_SIGNATURE = ['animal_response', 'rewarded_historyL', 'rewarded_historyR'];

/** Photometry series names start with `{G|R|Iso}_{fiber}` (fibers 0-4), as in the reference. */
const PHOTOMETRY_PREFIXES = ['G', 'R', 'Iso'].flatMap((c) => ['0', '1', '2', '3', '4'].map((f) => `${c}_${f}`));

export function isPhotometrySeries(name: string): boolean {
  return PHOTOMETRY_PREFIXES.some((p) => name.startsWith(p));
}

const FIBER_MODULE = '/processing/fiber_photometry';

export async function readSession(source: NwbSource, request: SessionReadRequest = {}): Promise<LoadedSession> {
  const label = source.label;
  if ((await source.kind('/intervals/trials')) !== 'group') {
    throw new NwbError('wrong-task', 'no trials table (/intervals/trials)', {
      file: label,
      field: '/intervals/trials',
      hint: 'This NWB file is not a behavior session; pass a dynamic-foraging session',
    });
  }
  const { table: trials, skipped } = await readDynamicTable(source, '/intervals/trials');
  if (!TASK_SIGNATURE.some((c) => c in trials.data)) {
    throw new NwbError('wrong-task', 'trials table has none of the dynamic-foraging columns', {
      file: label,
      field: `/intervals/trials (${TASK_SIGNATURE.join(', ')})`,
      hint: 'This NWB file is from another task; pass a dynamic-foraging session',
    });
  }
  for (const c of REQUIRED_TRIAL_COLUMNS) {
    if (!(c in trials.data)) throw missingField(label, `/intervals/trials/${c}`);
  }
  if (trials.rowCount === 0) {
    throw new NwbError('missing-field', 'trials table has no rows', {
      file: label,
      field: '/intervals/trials',
      hint: 'The session recorded no trials; leave it out of the analysis',
    });
  }

  const acquisition = await source.listGroup('/acquisition');
  const fiberModule = (await source.kind(FIBER_MODULE)) === 'group' ? await source.listGroup(FIBER_MODULE) : [];
  for (const e of REQUIRED_EVENTS) {
    if (!acquisition.includes(e)) throw missingField(label, `/acquisition/${e}`);
  }
  const eventNames = acquisition.filter((n) => !isPhotometrySeries(n));
  const photometryNames = [...new Set([...acquisition, ...fiberModule].filter(isPhotometrySeries))].sort();

  const wantedEvents = request.events === undefined || request.events === 'all' ? eventNames : request.events;
  for (const e of wantedEvents) {
    if (!eventNames.includes(e)) {
      throw missingField(label, `/acquisition/${e}`, `Event series present: ${eventNames.join(', ')}`);
    }
  }
  const channels = (request.channels ?? []).filter((ch) => request.missingChannels !== 'skip' || photometryNames.includes(ch));
  for (const ch of channels) {
    if (!photometryNames.includes(ch)) {
      throw missingField(
        label,
        ch,
        photometryNames.length === 0
          ? 'This session has no photometry series'
          : `Photometry series present: ${photometryNames.join(', ')}`,
      );
    }
  }

  const [metadata, eventSeries, photometrySeries] = await Promise.all([
    readMetadata(source),
    Promise.all(wantedEvents.map((e) => readTimeSeries(source, `/acquisition/${e}`, e))),
    // Like the reference, a series in processing/fiber_photometry wins over one of the same name
    // in acquisition.
    Promise.all(
      channels.map((ch) =>
        readTimeSeries(source, fiberModule.includes(ch) ? `${FIBER_MODULE}/${ch}` : `/acquisition/${ch}`, ch),
      ),
    ),
  ]);

  return {
    file: label,
    format: source.format,
    metadata,
    trials,
    skippedTrialColumns: skipped,
    events: Object.fromEntries(eventSeries.map((s) => [s.name, s])),
    photometry: Object.fromEntries(photometrySeries.map((s) => [s.name, s])),
    available: { events: eventNames, photometry: photometryNames },
  };
}

async function readTimeSeries(source: NwbSource, path: string, name: string): Promise<TimeSeries> {
  const [ts, data] = await Promise.all([
    source.readDataset(`${path}/timestamps`),
    source.readDataset(`${path}/data`),
  ]);
  if (ts.column.kind !== 'number') {
    throw new NwbError('corrupt', 'timestamps are not numbers', {
      file: source.label,
      field: `${path}/timestamps`,
      hint: 'The series does not follow the NWB TimeSeries layout',
    });
  }
  if (columnLength(data.column) !== ts.column.values.length) {
    throw new NwbError('corrupt', `data has ${columnLength(data.column)} rows but timestamps has ${ts.column.values.length}`, {
      file: source.label,
      field: path,
      hint: 'The series is damaged or truncated; re-export the session',
    });
  }
  return { name, timestamps: ts.column.values, data: data.column };
}

/**
 * Reads an NWB DynamicTable: `id` then the `colnames` columns. Ragged columns (a `<name>_index`
 * VectorIndex beside the data) are skipped with a reason: no dynamic-foraging column is ragged
 * and the per-session tables never read one.
 */
async function readDynamicTable(
  source: NwbSource,
  path: string,
): Promise<{ table: Table; skipped: SkippedColumn[] }> {
  const attrs = await source.readAttributes(path);
  const colnames = attrs.colnames;
  const names = typeof colnames === 'string' ? [colnames] : Array.isArray(colnames) ? colnames.map(String) : [];
  const children = new Set(await source.listGroup(path));
  if (!children.has('id')) throw missingField(source.label, `${path}/id`);
  const skipped: SkippedColumn[] = [];
  const kept: string[] = [];
  for (const name of names) {
    if (!children.has(name)) throw missingField(source.label, `${path}/${name}`);
    if (children.has(`${name}_index`)) {
      skipped.push({ column: name, reason: 'ragged column (VectorIndex); not used by the per-session tables' });
    } else kept.push(name);
  }
  const columns = ['id', ...kept];
  const read = await Promise.all(columns.map((c) => source.readDataset(`${path}/${c}`)));
  const rowCount = columnLength(read[0].column);
  const data: Record<string, Column> = {};
  columns.forEach((c, i) => {
    const n = columnLength(read[i].column);
    if (n !== rowCount) {
      throw new NwbError('corrupt', `column has ${n} rows but the table has ${rowCount}`, {
        file: source.label,
        field: `${path}/${c}`,
        hint: 'The table is damaged or truncated; re-export the session',
      });
    }
    data[c] = read[i].column;
  });
  return { table: { columns, rowCount, data }, skipped };
}

async function optionalString(source: NwbSource, path: string): Promise<string | null> {
  if ((await source.kind(path)) !== 'dataset') return null;
  return String(await source.readScalar(path));
}

async function readMetadata(source: NwbSource): Promise<SessionMetadata> {
  const required = async (path: string) => {
    if ((await source.kind(path)) !== 'dataset') throw missingField(source.label, path);
    return String(await source.readScalar(path));
  };
  const experimenterPath = '/general/experimenter';
  const experimenter =
    (await source.kind(experimenterPath)) === 'dataset' ? await source.readDataset(experimenterPath) : undefined;
  const rootAttrs = await source.readAttributes('/');
  const hasScratch = (await source.kind('/scratch/metadata')) === 'group';
  const [sessionId, subjectId, sessionStartTime, rest] = await Promise.all([
    required('/general/session_id'),
    required('/general/subject/subject_id'),
    required('/session_start_time'),
    Promise.all([
      optionalString(source, '/session_description'),
      optionalString(source, '/general/protocol'),
      optionalString(source, '/general/experiment_description'),
      optionalString(source, '/general/institution'),
      optionalString(source, '/general/subject/description'),
      optionalString(source, '/general/subject/weight'),
    ]),
  ]);
  const [sessionDescription, protocol, experimentDescription, institution, subjectDescription, subjectWeight] = rest;
  return {
    sessionId,
    subjectId,
    sessionStartTime,
    sessionDescription,
    protocol,
    experimenter:
      experimenter?.column.kind === 'string' ? experimenter.column.values.map((v) => v ?? '') : null,
    experimentDescription,
    institution,
    subjectDescription,
    subjectWeight,
    nwbVersion: typeof rootAttrs.nwb_version === 'string' ? rootAttrs.nwb_version : null,
    scratchMetadata: hasScratch ? (await readDynamicTable(source, '/scratch/metadata')).table : null,
  };
}
