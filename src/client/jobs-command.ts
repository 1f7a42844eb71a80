// `jobs create`: job files (the lab's job_dict/*.json) from a location or the metadata
// collection, with a preview, `--dry-run`, and `--dispatch` to start them at once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.js';
import { createRuntime } from '../runtime.js';
import { parseJsonText } from '../schemas/json-text.js';
import { s3ClientFor } from '../stores/from-config.js';
import { connectClient } from '../temporal/connection.js';
import { codeVersion } from '../current-code-version.js';
import { planDispatch, startPlanned } from './dispatch.js';
import { dispatchTable, textTable } from './text-table.js';
import { createJobs } from './jobs/create.js';
import { previewRows, writeJobFiles } from './jobs/files.js';
import { checkPortableFilter } from './jobs/metadata.js';
import { SUBJECT_FIELD, type CreateJobsOptions, type FileNote, type JobSource, type SameDayPolicy } from './jobs/model.js';

interface CreateFlags {
  collection?: string;
  filter: Record<string, unknown>;
  db: string;
  mongodbUri?: string;
  groupBy?: string[];
  filterObsolete?: boolean;
  subjects?: string[];
  excludeSubjects?: string[];
  from?: string;
  to?: string;
  minSessions: number;
  sameDay: SameDayPolicy;
  splitFiles?: boolean;
  maxJobs?: number;
  out: string;
  dryRun?: boolean;
  dispatch?: boolean;
  parameters?: string;
  analysis?: string;
  batchTag?: string;
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

function count(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(v);
}

function date(v: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return v;
}

/** `--filter`: JSON text, or the path of a JSON file (as upstream's `docdb_query`). */
function filterOf(text: string): Record<string, unknown> {
  const fromFile = !text.trimStart().startsWith('{');
  let value: unknown;
  try {
    value = parseJsonText(fromFile ? readFileSync(text, 'utf8') : text, fromFile ? text : '--filter');
    checkPortableFilter(value);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('expected a JSON object');
  return value as Record<string, unknown>;
}

function printNotes(title: string, notes: readonly FileNote[]) {
  if (notes.length === 0) return;
  console.log(`\n${title} (${notes.length}):`);
  for (const n of notes) console.log(`  ${n.path}: ${n.reason}`);
}

/**
 * Adds `jobs create`. `env` supplies the configuration's variables (the CLI passes the services
 * env file's values under the process environment).
 */
export function registerJobsCommand(program: Command, env: () => NodeJS.ProcessEnv = () => process.env): void {
  const jobs = program.command('jobs').description("Create job files (the lab's job_dict/*.json) from data.");
  jobs
    .command('create')
    .description(
      'One job per mouse from an S3 prefix or local folder of session assets (sessions recognised by content; metadata read only), ' +
        'or from the metadata collection (--collection). Corrupt and non-NWB files are reported and skipped.',
    )
    .argument('[location]', 's3://bucket/prefix or a local folder')
    .option('--collection <name>', 'query this metadata collection (records with location, name, created, subject.subject_id) instead of a location')
    .option('--filter <json>', 'with --collection: MongoDB filter as JSON text or a .json file (equality, $in, $gte/$lte, ...)', filterOf, {})
    .option('--db <name>', 'with --collection: the metadata database', 'metadata_index')
    .option('--mongodb-uri <uri>', 'with --collection: the metadata server (default: MONGODB_URI)')
    .option('--group-by <fields>', `with --collection: record fields that make one job, comma-separated (${SUBJECT_FIELD} is always one)`, list)
    .option('--filter-obsolete', 'with --collection: keep only the newest record (by created) per asset name without its processing suffix')
    .option('--subjects <ids>', 'only these subjects, comma-separated', list)
    .option('--exclude-subjects <ids>', 'leave these subjects out, comma-separated', list)
    .option('--from <date>', 'first session date (YYYY-MM-DD, inclusive)', date)
    .option('--to <date>', 'last session date (YYYY-MM-DD, inclusive)', date)
    .option('--min-sessions <n>', 'leave out mice with fewer sessions', count, 1)
    .addOption(
      new Option('--same-day <policy>', 'same-day duplicates: keep the one with more finished trials (as the analysis does), or keep all')
        .choices(['keep-more-finished', 'keep-all'])
        .default('keep-more-finished'),
    )
    .option('--split-files', 'one job per session instead of one per mouse')
    .option('--max-jobs <n>', 'write at most this many jobs (the first by file name)', count)
    .option('-o, --out <dir>', 'folder for the job files', 'job_dict')
    .option('--dry-run', 'print the preview; write and start nothing')
    .option('--dispatch', 'start the jobs right away (as the dispatch command)')
    .option('-p, --parameters <file>', 'with --dispatch: analysis_parameters.json')
    .option('-a, --analysis <name>', 'with --dispatch: the analysis to run')
    .option('--batch-tag <tag>', 'with --dispatch: label the runs (BatchTag search attribute)')
    .action(async (location: string | undefined, o: CreateFlags, cmd: Command) => {
      if ((location === undefined) === (o.collection === undefined)) cmd.error('give either a location or --collection', { exitCode: 2 });
      const vars = env();
      // Configuration only where it is needed, so a local folder works without any servers.
      const config = location?.startsWith('s3://') || o.collection || o.dispatch ? loadConfig(vars) : undefined;
      const s3Client = config && (await s3ClientFor(config));
      let source: JobSource;
      if (location !== undefined) source = { location };
      else {
        const uri = o.mongodbUri ?? vars.MONGODB_URI;
        if (!uri) cmd.error('--collection needs --mongodb-uri or MONGODB_URI', { exitCode: 2 });
        source = { metadata: { uri, db: o.db, collection: o.collection!, filter: o.filter, groupBy: o.groupBy, filterObsolete: o.filterObsolete } };
      }
      const options: CreateJobsOptions = {
        ...(s3Client && { s3: { client: s3Client, cacheDir: config.nwbCacheDir } }),
        subjects: o.subjects,
        excludeSubjects: o.excludeSubjects,
        from: o.from,
        to: o.to,
        minSessions: o.minSessions,
        sameDay: o.sameDay,
        splitFiles: o.splitFiles,
        maxJobs: o.maxJobs,
      };
      const result = await createJobs(source, options);

      if (result.jobs.length) console.log(textTable(previewRows(result.jobs)));
      else console.log('No jobs: no usable sessions matched.');
      printNotes('Skipped (not usable)', result.skipped);
      printNotes('Left out', result.excluded);
      if (result.ignored.length) console.log(`\n${result.ignored.length} other files (neither HDF5 nor Zarr) ignored.`);
      if (o.dryRun || result.jobs.length === 0) return;

      const out = resolve(o.out);
      const written = await writeJobFiles(result.jobs, out);
      console.log(`\nWrote ${written.files.length} job files to ${out} (${written.changed.length} new or changed).`);
      if (written.stale.length) console.log(`Not from this run (left in place, not dispatched): ${written.stale.join(', ')}`);
      if (!o.dispatch) return;

      const planned = await planDispatch({
        jobs: written.files,
        parametersFile: o.parameters,
        analysis: o.analysis,
        codeVersion: codeVersion(vars),
        batchTag: o.batchTag,
        sessionParallelism: config!.concurrency.sessionParallelism,
        pythonTaskQueue: config!.temporal.pythonTaskQueue,
      });
      const runtime = await createRuntime(config!, vars);
      const client = await connectClient(config!.temporal);
      try {
        const rows = await startPlanned(planned, { client, taskQueue: config!.temporal.taskQueue, records: runtime.records });
        console.log(`\n${dispatchTable(rows)}`);
      } finally {
        await runtime.close();
        await client.connection.close();
      }
    });
}
