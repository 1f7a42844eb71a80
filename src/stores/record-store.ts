/**
 * Processing records keyed by the deduplication key (`_id`). Written to the feature set shared by
 * MongoDB Atlas, AWS DocumentDB and FerretDB: unique `_id`, replace-upserts, equality and range
 * filters, sort/limit. No transactions, no $lookup, no TTL/partial indexes.
 */
export interface StoredRecord {
  _id: string;
  [field: string]: unknown;
}

export interface RecordQuery {
  /** Equality on top-level (or dotted, for nested) fields. */
  equals?: Record<string, string | number | boolean>;
  /** Inclusive ISO date-time range on one field. */
  range?: { field: string; from?: string; to?: string };
  sortBy?: string;
  descending?: boolean;
  limit?: number;
}

export interface RecordStore<R extends StoredRecord = StoredRecord> {
  /** Human-readable location for messages (never includes credentials). */
  readonly description: string;
  get(id: string): Promise<R | undefined>;
  /**
   * The records among these ids that exist (few queries, for batch dispatch). With `fields`, a
   * store may return only those fields (plus `_id`): dispatch needs just the status.
   */
  getMany(ids: readonly string[], fields?: readonly string[]): Promise<R[]>;
  /** Inserts unless a record with this `_id` exists; the store's uniqueness decides races. */
  insertIfAbsent(record: R): Promise<'inserted' | 'exists'>;
  /** Replaces (or creates) the record with this `_id`. */
  upsert(record: R): Promise<void>;
  /** Replaces the record only if its current `field` equals `expected` (e.g. status 'running'). */
  replaceIf(record: R, field: string, expected: string): Promise<boolean>;
  find(query?: RecordQuery): Promise<R[]>;
  count(query?: RecordQuery): Promise<number>;
  close(): Promise<void>;
}

/** Evaluates a RecordQuery in memory, with the same semantics as the MongoDB filter built from it. */
export function matchesQuery(rec: StoredRecord, q: RecordQuery): boolean {
  for (const [field, want] of Object.entries(q.equals ?? {})) {
    if (fieldValue(rec, field) !== want) return false;
  }
  if (q.range) {
    const v = fieldValue(rec, q.range.field);
    if (typeof v !== 'string') return false;
    if (q.range.from !== undefined && v < q.range.from) return false;
    if (q.range.to !== undefined && v > q.range.to) return false;
  }
  return true;
}

export function fieldValue(rec: StoredRecord, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), rec);
}
