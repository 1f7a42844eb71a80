// `grouped-analysis results list|show|get|status`: the result queries on the command line.
// Loads no more than it needs (the record store's driver only when configured): a query answers
// in a fraction of a second.
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { textTable } from './text-table.js';
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import type { ProcessingRecord } from '../schemas/record.js';
import { objectStoreFor, recordStoreFor } from '../stores/from-config.js';
import { LocalRecordStore } from '../stores/local-records.js';
import type { RecordStore } from '../stores/record-store.js';
import { formatBytes, formatDateTime } from '../report/human-readable.js';
import {
  downloadOutputs,
  embeddedStoresEnv,
  findRecord,
  listRecords,
  recordQuery,
  ResultsError,
  statusCounts,
  type RecordFilters,
} from './results.js';
import { outputsBreakdown, recordSummary } from './results-summary.js';

interface StoreOptions {
  local?: boolean;
  localDir?: string;
}

type FilterOptions = RecordFilters & StoreOptions & { json?: boolean };

function withStoreOption(cmd: Command): Command {
  return cmd
    .option('--local', "read the embedded default's results folder (npm start's ./results) instead of MongoDB + S3")
    .option('--local-dir <dir>', 'as --local, with the results folder (holding outputs/ and records/) at <dir>');
}

function withFilters(cmd: Command, status: boolean): Command {
  cmd
    .option('-s, --subject <id>', 'subject (mouse) id')
    .option('-a, --analysis <name>', 'analysis name, e.g. grouped-analysis')
    .option('-t, --tag <tag>', 'analysis tag')
    .option('-c, --code-version <version>', 'code version the run used, e.g. 0.1.0+src.d0a830eecf94')
    .option('--since <date>', 'last updated on or after (YYYY-MM-DD in UTC, or an ISO date-time)')
    .option('--until <date>', 'last updated on or before (the whole UTC day, or an ISO date-time)');
  if (status) cmd.addOption(new Option('--status <status>', 'run status').choices(['running', 'completed', 'failed']));
  return withStoreOption(cmd).option('--json', 'print JSON instead of a table');
}

function filtersOf(o: FilterOptions): RecordFilters {
  const { subject, analysis, tag, codeVersion, status, since, until } = o;
  return Object.fromEntries(Object.entries({ subject, analysis, tag, codeVersion, status, since, until }).filter(([, v]) => v !== undefined));
}

/** A folder as the user would type it: `./results` under the working folder, else absolute. */
function shownDir(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') || rel.startsWith(sep) ? dir : `.${sep}${rel}`;
}

/**
 * `results` and its subcommands; `env` supplies the configuration (the CLI adds the services' env
 * file); `localResultsDir` is the embedded default's results folder that `--local` reads (npm
 * start's ./results), and that a query of the configured stores finding nothing points to.
 */
export function registerResultsCommand(program: Command, env: () => NodeJS.ProcessEnv = () => process.env, options: { localResultsDir?: string } = {}): Command {
  const localResults = resolve(options.localResultsDir ?? 'results');
  const configFor = (o: StoreOptions) => {
    const dir = o.localDir ?? (o.local ? localResults : undefined);
    return loadConfig({ ...env(), ...(dir === undefined ? {} : embeddedStoresEnv(resolve(dir))) });
  };

  // Nothing found in the configured stores: local results of npm start would be, with --local.
  const localRecords = (o: StoreOptions) =>
    o.local || o.localDir !== undefined || !existsSync(join(localResults, 'records')) ? undefined : new LocalRecordStore<ProcessingRecord>(join(localResults, 'records'));
  const localHint = async (o: FilterOptions, records: RecordStore<ProcessingRecord>): Promise<string | undefined> => {
    const local = localRecords(o);
    const n = local ? await local.count(recordQuery(filtersOf(o))) : 0;
    return n ? `no runs in ${records.description}; ${n} local ${n === 1 ? 'run' : 'runs'} in ${shownDir(localResults)}: add --local` : undefined;
  };
  // A key not in the configured store may be in the local one.
  const findWithHint = async (records: RecordStore<ProcessingRecord>, key: string, o: StoreOptions): Promise<ProcessingRecord> => {
    try {
      return await findRecord(records, key);
    } catch (e) {
      const local = e instanceof ResultsError && /^no record/.test(e.message) ? localRecords(o) : undefined;
      if (local && (await findRecord(local, key).catch(() => undefined))) throw new ResultsError(`${e instanceof Error ? e.message : e}; it is in ${shownDir(localResults)}: add --local`);
      throw e;
    }
  };

  // Opens the record store, runs `fn`, closes the store; a ResultsError becomes a message and exit code 2.
  const withRecords = async (o: StoreOptions, fn: (records: RecordStore<ProcessingRecord>, config: ReturnType<typeof loadConfig>) => Promise<void>) => {
    const config = configFor(o);
    const records = await recordStoreFor<ProcessingRecord>(config);
    try {
      await fn(records, config);
    } catch (e) {
      if (!(e instanceof ResultsError)) throw e;
      console.error(e.message);
      process.exitCode = 2;
    } finally {
      await records.close();
    }
  };

  const results = program.command('results').description('Find and fetch results: list, show, get, status (MongoDB + S3, or the local folders with --local).');

  withFilters(results.command('list').description('List runs (newest first) matching the filters.'), true)
    .option('-n, --limit <n>', 'at most this many rows', (v) => Number.parseInt(v, 10), 100)
    .action(async (o: FilterOptions & { limit: number }) =>
      withRecords(o, async (records) => {
        if (!Number.isInteger(o.limit) || o.limit < 1) throw new ResultsError('--limit must be a positive integer, e.g. --limit 500');
        const { records: found, total } = await listRecords(records, filtersOf(o), o.limit);
        if (o.json) return console.log(JSON.stringify(found, null, 2));
        console.log(
          textTable([
            ['key', 'subject', 'analysis', 'tag', 'status', 'sessions', 'code version', 'updated'],
            ...found.map((r) => [
              r._id.slice(0, 16),
              r.subject_id,
              r.analysis.name,
              r.analysis.tag,
              r.status,
              String(r.inputs.files.length),
              r.processing.data_processes[0].code.version,
              formatDateTime(r.updated_at),
            ]),
          ]),
        );
        console.log(found.length < total ? `${found.length} of ${total} runs (raise --limit for more)` : `${total} runs`);
        const hint = total === 0 ? await localHint(o, records) : undefined;
        if (hint) console.log(hint);
      }),
    );

  withStoreOption(results.command('show').description('Summarise the processing record of a run: status, error, inputs, outputs, report, timings (--json: the record).'))
    .argument('<key>', 'dedup key, or a unique prefix of at least 8 hex digits')
    .option('--json', 'print the processing record itself (JSON)')
    .action(async (key: string, o: StoreOptions & { json?: boolean }) =>
      withRecords(o, async (records) => {
        const record = await findWithHint(records, key, o);
        console.log(o.json ? JSON.stringify(record, null, 2) : recordSummary(record));
      }),
    );

  withStoreOption(results.command('get').description("Download a run's outputs and verify each one's size and sha256 against the record."))
    .argument('<key>', 'dedup key, or a unique prefix of at least 8 hex digits')
    .requiredOption('-o, --out <dir>', 'folder to write the outputs into (created if missing)')
    .option('--json', 'print the outcome per file as JSON')
    .action(async (key: string, o: StoreOptions & { out: string; json?: boolean }) =>
      withRecords(o, async (records, config) => {
        const record = await findWithHint(records, key, o);
        const outcomes = await downloadOutputs(record, await objectStoreFor(config), resolve(o.out));
        const bad = outcomes.filter((x) => x.status !== 'ok');
        if (o.json) console.log(JSON.stringify(outcomes, null, 2));
        else {
          for (const x of bad) console.error(`${x.status}: ${x.name} (${x.detail}); not written`);
          const bytes = outcomes.filter((x) => x.status === 'ok').reduce((s, x) => s + x.size, 0);
          console.log(
            `${outcomes.length - bad.length} of ${outcomes.length} outputs of ${record.subject_id} / ${record.analysis.name} (${formatBytes(bytes)}; ${outputsBreakdown(record)}) written to ${resolve(o.out)}${bad.length ? '' : '; every size and sha256 matches the record'}`,
          );
        }
        if (bad.length) process.exitCode = 1;
      }),
    );

  withFilters(results.command('status').description('Count runs by status (e.g. for one tag).'), false).action(async (o: FilterOptions) =>
    withRecords(o, async (records) => {
      const counts = await statusCounts(records, filtersOf(o));
      if (o.json) return console.log(JSON.stringify(counts, null, 2));
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      console.log(textTable([['status', 'runs'], ...Object.entries(counts).map(([s, n]) => [s, String(n)]), ['total', String(total)]]));
      const hint = total === 0 ? await localHint(o, records) : undefined;
      if (hint) console.log(hint);
    }),
  );
  return results;
}
