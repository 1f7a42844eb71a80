// Job creation: from a data location (an S3 prefix or a local folder) or the lab's metadata
// collection to jobs, one per mouse, as the lab's job dispatcher makes them: sessions found
// (sessions.ts), filtered by the options, grouped, named and validated. Same data, same bytes: a
// nightly re-run writes and dispatches nothing new.
import { hash } from 'node:crypto';
import { basename } from 'node:path';
import { limiter } from '../../concurrency.js';
import { createS3Resolver } from '../../nwb/s3.js';
import { validateJob, type AnalysisDispatchJobInput } from '../../schemas/job.js';
import { assetsFromRecords, queryRecords } from './metadata.js';
import { SUBJECT_FIELD, type CreatedJob, type CreateJobsOptions, type CreateJobsResult, type FileNote, type JobSource, type Notes } from './model.js';
import { byStart, groupInto, inspect, listLocation, listRecords, pathOf, settleSameDay, type Candidate, type Found } from './sessions.js';

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');

function buildJob(sessions: Found[], group: Record<string, unknown>, query: string | undefined): AnalysisDispatchJobInput {
  const assets = [...new Map(sessions.map((s) => [s.asset.location, s.asset])).values()];
  const recordIds = assets.map((a) => a.recordId);
  return {
    s3_location: assets.map((a) => a.location),
    asset_name: assets.map((a) => a.name),
    ...(recordIds.every((id) => id !== undefined) ? { docdb_record_id: recordIds as string[] } : {}),
    file_location: sessions.map((s) => s.location),
    group_metadata: group,
    ...(query !== undefined ? { query } : {}),
  };
}

/** Finds the sessions of `source`, applies the options, and returns one job per mouse (or per session). */
export async function createJobs(source: JobSource, o: CreateJobsOptions = {}): Promise<CreateJobsResult> {
  const notes: Notes = { skipped: [], excluded: [], ignored: [] };
  const limit = limiter(o.concurrency ?? 8);
  const remote = o.s3 ? createS3Resolver({ client: o.s3.client, cacheDir: o.s3.cacheDir }) : undefined;
  let candidates: Candidate[];
  let query: string | undefined;
  if ('location' in source) candidates = await listLocation(source.location, o);
  else {
    const assets = assetsFromRecords(await queryRecords(source.metadata, o.subjects), source.metadata, notes);
    candidates = await listRecords(assets, o, notes, limit);
    query = JSON.stringify(source.metadata.filter);
  }

  const inspected = await Promise.all(candidates.map((c) => limit(() => inspect(c, o, remote))));
  const found: Found[] = [];
  inspected.forEach((r, i) => {
    const path = pathOf(candidates[i].ref.uri);
    if (r.kind === 'ignored') notes.ignored.push(path);
    else if (r.kind === 'skipped') notes.skipped.push({ path, reason: r.reason });
    else {
      const s = r.session;
      const exclude = (reason: string) => notes.excluded.push({ path, reason });
      if (o.subjects?.length && !o.subjects.includes(s.subjectId)) exclude(`subject ${s.subjectId} is not among the subjects asked for`);
      else if (o.excludeSubjects?.includes(s.subjectId)) exclude(`subject ${s.subjectId} is excluded`);
      else if (o.from && s.date < o.from) exclude(`session date ${s.date} is before ${o.from}`);
      else if (o.to && s.date > o.to) exclude(`session date ${s.date} is after ${o.to}`);
      else found.push(s);
    }
  });

  const groups = groupInto(found, (s) => JSON.stringify(Object.entries(s.group).sort(([a], [b]) => (a < b ? -1 : 1))));
  const drafts: { base: string; subjectId: string; sessions: Found[]; group: Record<string, unknown> }[] = [];
  for (const members of groups.values()) {
    const kept = ((o.sameDay ?? 'keep-more-finished') === 'keep-all' ? members : await settleSameDay(members, notes, remote, limit)).sort(byStart);
    const min = o.minSessions ?? 1;
    const group = members[0].group;
    const subjectId = String(group[SUBJECT_FIELD]);
    if (kept.length < min) {
      for (const s of kept) notes.excluded.push({ path: s.location, reason: `subject ${subjectId} has ${kept.length} sessions, fewer than the minimum ${min}` });
      continue;
    }
    const extra = Object.entries(group).filter(([k]) => k !== SUBJECT_FIELD).map(([, v]) => (typeof v === 'string' ? v : JSON.stringify(v)));
    const base = ['job', subjectId, ...extra].map(safeName).join('_');
    if (o.splitFiles) for (const s of kept) drafts.push({ base: `${base}_${safeName(basename(s.location).replace(/\.nwb$/, ''))}`, subjectId, sessions: [s], group });
    else drafts.push({ base, subjectId, sessions: kept, group });
  }

  // Names shared by several jobs (e.g. two same-day files of one name kept by keep-all) get a
  // digest of their files, so every name is unique and stays the same for the same data.
  const count = new Map<string, number>();
  for (const d of drafts) count.set(d.base, (count.get(d.base) ?? 0) + 1);
  const named = drafts.map((d) => {
    const digest = hash('sha256', d.sessions.map((s) => s.location).join('\n')).slice(0, 8);
    return { ...d, fileName: `${count.get(d.base)! > 1 ? `${d.base}_${digest}` : d.base}.json` };
  });
  named.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));

  const jobs: CreatedJob[] = [];
  for (const d of named) {
    if (o.maxJobs !== undefined && jobs.length >= o.maxJobs) {
      for (const s of d.sessions) notes.excluded.push({ path: s.location, reason: `${d.fileName} is beyond the first ${o.maxJobs} jobs` });
      continue;
    }
    const job = buildJob(d.sessions, d.group, query);
    validateJob(job, d.fileName); // a failure here is a bug in this module, not bad data
    jobs.push({
      fileName: d.fileName,
      subjectId: d.subjectId,
      job,
      text: `${JSON.stringify(job, null, 2)}\n`,
      sessions: d.sessions.map(({ asset: _asset, group: _group, ...s }) => s),
    });
  }
  const byPath = (a: FileNote, b: FileNote) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { jobs, skipped: notes.skipped.sort(byPath), excluded: notes.excluded.sort(byPath), ignored: notes.ignored.sort() };
}
