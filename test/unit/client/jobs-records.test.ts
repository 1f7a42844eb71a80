// The metadata source's record handling, without a server: upstream's obsolete filter, group
// fields, records that cannot be used, and the portable filter subset.
import { describe, expect, it } from 'vitest';
import { assetsFromRecords, checkPortableFilter, withoutProcessingSuffix } from '../../../src/client/jobs/metadata.js';
import type { FileNote } from '../../../src/client/jobs/model.js';

const notes = () => ({ skipped: [] as FileNote[], excluded: [] as FileNote[], ignored: [] as string[] });
const record = (id: string, name: string, created: string | Date, extra: Record<string, unknown> = {}) => ({
  _id: id,
  name,
  location: `s3://bucket/${name}`,
  created,
  subject: { subject_id: '769038' },
  ...extra,
});

describe('withoutProcessingSuffix', () => {
  it('strips the lab\'s <process>_<date>_<time> suffixes down to the raw asset name', () => {
    expect(withoutProcessingSuffix('behavior_769038_2025-02-10_13-16-09_processed_2025-02-11_07-14-26')).toBe('behavior_769038_2025-02-10_13-16-09');
    expect(withoutProcessingSuffix('behavior_769038_2025-02-10_13-16-09_processed_2025-02-11_07-14-26_curated_2025-03-01_00-00-00')).toBe('behavior_769038_2025-02-10_13-16-09');
  });

  it('leaves raw names and other names alone', () => {
    expect(withoutProcessingSuffix('behavior_769038_2025-02-10_13-16-09')).toBe('behavior_769038_2025-02-10_13-16-09');
    expect(withoutProcessingSuffix('769038_2025-02-10_13-16-09')).toBe('769038_2025-02-10_13-16-09');
    expect(withoutProcessingSuffix('some-folder')).toBe('some-folder');
  });
});

describe('assetsFromRecords', () => {
  const raw = 'behavior_769038_2025-02-10_13-16-09';

  it('keeps every record without filterObsolete, sorted by location, with the subject as a string', () => {
    const n = notes();
    const assets = assetsFromRecords(
      [record('b', `${raw}_processed_2025-02-11_07-14-26`, '2025-02-11T07:20:00Z'), record('a', raw, '2025-02-10T14:00:00Z', { subject: { subject_id: 769038 } })],
      { collection: 'data_assets' },
      n,
    );
    expect(assets).toEqual([
      { location: `s3://bucket/${raw}`, name: raw, recordId: 'a', group: { 'subject.subject_id': '769038' } },
      { location: `s3://bucket/${raw}_processed_2025-02-11_07-14-26`, name: `${raw}_processed_2025-02-11_07-14-26`, recordId: 'b', group: { 'subject.subject_id': '769038' } },
    ]);
    expect(n).toEqual(notes());
  });

  it('filterObsolete keeps the newest record (by created) per name without processing suffix', () => {
    const n = notes();
    const older = record('p1', `${raw}_processed_2025-02-11_07-14-26`, new Date('2025-02-11T07:20:00Z'));
    const newer = record('p2', `${raw}_processed_2025-03-01_01-00-00`, new Date('2025-03-01T01:10:00Z'));
    const other = record('q', 'behavior_769038_2025-02-12_10-00-00', '2025-02-12T11:00:00Z');
    const assets = assetsFromRecords([older, newer, record('r', raw, '2025-02-10T14:00:00Z'), other], { collection: 'data_assets', filterObsolete: true }, n);
    expect(assets.map((a) => a.recordId)).toEqual(['p2', 'q']);
    expect(n.excluded).toEqual([
      { path: older.location, reason: `obsolete: ${newer.name} (created 2025-03-01T01:10:00.000Z) is newer` },
      { path: `s3://bucket/${raw}`, reason: `obsolete: ${newer.name} (created 2025-03-01T01:10:00.000Z) is newer` },
    ]);
  });

  it('skips records without a location or a group field, and names the record', () => {
    const n = notes();
    const assets = assetsFromRecords(
      [
        { _id: 'x', name: raw, created: '2025-01-01', subject: { subject_id: '1' } },
        { _id: 'y', name: raw, location: 's3://bucket/y', created: '2025-01-01' },
        record('z', raw, '2025-01-01', { project: 'p1' }),
        record('w', raw, '2025-01-01'),
      ],
      { collection: 'data_assets', groupBy: ['project'] },
      n,
    );
    expect(assets).toEqual([{ location: `s3://bucket/${raw}`, name: raw, recordId: 'z', group: { 'subject.subject_id': '769038', project: 'p1' } }]);
    expect(n.skipped).toEqual([
      { path: 'data_assets record x', reason: 'no location' },
      { path: 'data_assets record y', reason: 'no subject.subject_id (records are grouped by subject.subject_id, project)' },
      { path: 'data_assets record w', reason: 'no project (records are grouped by subject.subject_id, project)' },
    ]);
  });
});

describe('checkPortableFilter', () => {
  it('accepts equality, $in, ranges and $and/$or', () => {
    expect(() =>
      checkPortableFilter({ 'data_description.modality.abbreviation': 'behavior', created: { $gte: '2025-01-01', $lte: '2025-12-31' }, $or: [{ 'subject.subject_id': { $in: ['1', '2'] } }] }),
    ).not.toThrow();
  });

  it('refuses operators a MongoDB-wire server may lack, naming where', () => {
    expect(() => checkPortableFilter({ $or: [{ name: { $regex: '^behavior' } }] })).toThrow(/\$\.\$or\[0\]\.name: operator \$regex is not supported/);
    expect(() => checkPortableFilter({ $where: 'true' })).toThrow(/\$where/);
  });
});
