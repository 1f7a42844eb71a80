// Jobs from the lab's metadata collection: a portable query (what MongoDB, DocumentDB and FerretDB
// share), records grouped as upstream's `query_data_assets` groups them, obsolete ones dropped.
import { MongoClient, type Document } from 'mongodb';
import { checkLocation, locationBasename } from '../../schemas/locations.js';
import { SUBJECT_FIELD, type Asset, type MetadataSource, type Notes } from './model.js';

// Operators MongoDB, DocumentDB and FerretDB all implement the same way.
const PORTABLE_OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists', '$and', '$or']);

/** Throws naming the first operator outside the portable subset (a filter must run on all three servers). */
export function checkPortableFilter(filter: unknown, path = '$'): void {
  if (Array.isArray(filter)) filter.forEach((v, i) => checkPortableFilter(v, `${path}[${i}]`));
  else if (filter !== null && typeof filter === 'object' && !(filter instanceof Date)) {
    for (const [k, v] of Object.entries(filter)) {
      if (k.startsWith('$') && !PORTABLE_OPERATORS.has(k)) {
        throw new Error(`filter ${path}: operator ${k} is not supported; use ${[...PORTABLE_OPERATORS].join(', ')}`);
      }
      checkPortableFilter(v, `${path}.${k}`);
    }
  }
}

const DATE_TIME = /_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/;

/**
 * The raw asset a derived asset was made from: `behavior_1_2025-02-10_13-16-09_processed_2025-02-11_07-14-26`
 * -> `behavior_1_2025-02-10_13-16-09` (the lab's `<input>_<process>_<date>_<time>` names, repeated).
 */
export function withoutProcessingSuffix(name: string): string {
  let out = name;
  for (;;) {
    const m = /_[A-Za-z0-9-]+_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.exec(out);
    if (!m || !DATE_TIME.test(out.slice(0, m.index))) return out;
    out = out.slice(0, m.index);
  }
}

/** Reads a dotted field (`subject.subject_id`) of a record. */
function fieldOf(record: Document, field: string): unknown {
  return field.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), record);
}

const asSubject = (v: unknown) => (typeof v === 'string' && v ? v : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined);

function createdOf(record: Document): string {
  const c = record.created;
  if (c instanceof Date) return c.toISOString();
  return typeof c === 'string' ? c : '';
}

/**
 * The metadata records' assets, as upstream's `query_data_assets` groups them: records lacking a
 * group field or a location are skipped; with `filterObsolete`, only the newest record (by
 * `created`, then `_id`) per asset name without processing suffix stays. Sorted by location.
 */
export function assetsFromRecords(records: readonly Document[], source: Pick<MetadataSource, 'collection' | 'groupBy' | 'filterObsolete'>, notes: Notes): Asset[] {
  const groupBy = [SUBJECT_FIELD, ...(source.groupBy ?? []).filter((f) => f !== SUBJECT_FIELD)];
  const usable: { asset: Asset; created: string }[] = [];
  for (const r of records) {
    const id = String(r._id);
    const label = `${source.collection} record ${id}`;
    const checked = typeof r.location === 'string' ? checkLocation(r.location) : undefined;
    if (!checked?.ok) {
      notes.skipped.push({ path: label, reason: checked ? `location: ${checked.message}` : 'no location' });
      continue;
    }
    const group: Record<string, unknown> = {};
    const missing = groupBy.find((f) => {
      const v = f === SUBJECT_FIELD ? asSubject(fieldOf(r, f)) : fieldOf(r, f);
      group[f] = v;
      return v === undefined || v === null;
    });
    if (missing) {
      notes.skipped.push({ path: label, reason: `no ${missing} (records are grouped by ${groupBy.join(', ')})` });
      continue;
    }
    const name = typeof r.name === 'string' && r.name ? r.name : locationBasename(checked.normalized);
    usable.push({ asset: { location: checked.normalized, name, recordId: id, group }, created: createdOf(r) });
  }
  let kept = usable;
  if (source.filterObsolete) {
    const newest = new Map<string, (typeof usable)[number]>();
    const order = (a: (typeof usable)[number], b: (typeof usable)[number]) =>
      a.created !== b.created ? (a.created > b.created ? -1 : 1) : a.asset.recordId! < b.asset.recordId! ? -1 : 1;
    for (const u of [...usable].sort(order)) {
      const key = withoutProcessingSuffix(u.asset.name);
      const first = newest.get(key);
      if (!first) newest.set(key, u);
      else notes.excluded.push({ path: u.asset.location, reason: `obsolete: ${first.asset.name} (created ${first.created}) is newer` });
    }
    kept = [...newest.values()];
  }
  return kept.map((k) => k.asset).sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : a.recordId! < b.recordId! ? -1 : 1));
}

export async function queryRecords(m: MetadataSource, subjects: readonly string[] | undefined): Promise<Document[]> {
  checkPortableFilter(m.filter);
  const fields = ['name', 'location', 'created', SUBJECT_FIELD, ...(m.groupBy ?? [])];
  // Subject ids are strings in the lab's records, numbers in some older ones.
  const ids = subjects?.length ? subjects.flatMap((s) => (/^\d+$/.test(s) ? [s, Number(s)] : [s])) : undefined;
  const filter = ids ? { $and: [m.filter, { [SUBJECT_FIELD]: { $in: ids } }] } : m.filter;
  const client = new MongoClient(m.uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    return await client
      .db(m.db)
      .collection(m.collection)
      .find(filter, { projection: Object.fromEntries(fields.map((f) => [f, 1])) })
      .toArray();
  } finally {
    await client.close();
  }
}
