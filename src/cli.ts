// The one entry point: `npx tsx src/cli.ts <command>` (`npm run cli -- <command>`).
//   start     the main job on the embedded default (npm start)
//   dispatch  start one workflow per (mouse, parameter set) from job files
//   worker    run a worker
//   setup-namespace  create the namespace and the workflows' search attributes (admins, once)
// Modules that only some commands need (the Temporal SDK, the analyses with their figure and
// Parquet code, h5wasm for the sample data, the store drivers) are imported when one of those
// commands runs: `results ...` loads none of them and answers in a fraction of a second.
import { hash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, loadTemporalSettings, type Config } from './config.js';
import type { DispatchRow } from './client/dispatch.js';
import type { FollowedRun } from './client/progress.js';
import type { PythonWorkerProcess } from './client/python-worker.js';
import { dispatchTable, runsTable, textTable } from './client/text-table.js';
import { registerResultsCommand } from './client/results-command.js';
import { ValidationError } from './schemas/errors.js';
import { servicesEnv, withServicesEnv } from './services-env.js';
import { installSdkLogging } from './temporal/sdk-log.js';
import { codeVersion } from './current-code-version.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What dispatching needs (the Temporal client, the analyses, the stores), loaded on first use. */
async function dispatching() {
  const [{ planDispatch, startPlanned }, { followRuns }, { createRuntime }, { connectClient, connectWorker }] = await Promise.all([
    import('./client/dispatch.js'),
    import('./client/progress.js'),
    import('./runtime.js'),
    import('./temporal/connection.js'),
  ]);
  return { planDispatch, startPlanned, followRuns, createRuntime, connectClient, connectWorker };
}

function uiLink(config: Config, query: string): string | undefined {
  const base = config.temporal.uiUrl;
  return base ? `${base}/namespaces/${config.temporal.namespace}/workflows?query=${encodeURIComponent(query)}` : undefined;
}

const program = new Command().name('grouped-analysis').description('Per-mouse grouped analyses of the dynamic foraging task on Temporal.');

program
  .command('start')
  .description('Run the main job on the embedded default: local Temporal dev server, results and records in ./results, sample mice.')
  .option('--fresh', 'start over with a new analysis tag (new dedup keys)')
  .action(async (o: { fresh?: boolean }) => {
    const t0 = Date.now();
    const tag = o.fresh ? `sample-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}` : 'sample';
    const results = join(repoRoot, 'results');
    const queue = `grouped-analysis-local-${hash('sha256', repoRoot).slice(0, 8)}`;
    const env = {
      ...servicesEnv(),
      ...process.env,
      // Embedded default: results and records as plain files, Temporal for orchestration.
      ANALYSIS_BUCKET: '',
      MONGODB_URI: '',
      GA_LOCAL_RESULTS_DIR: join(results, 'outputs'),
      GA_LOCAL_RECORDS_DIR: join(results, 'records'),
      GA_DATA_ROOT: repoRoot,
      // Its own queue, stable per checkout: a worker with other stores (S3, MongoDB) must never
      // pick up these runs, and an interrupted batch resumes on the next start.
      TEMPORAL_TASK_QUEUE: queue,
      // The Python analyses' steps too, on a Python worker of these stores only.
      GA_PY_TASK_QUEUE: `${queue}-py`,
    };
    const config = loadConfig(env);
    // The SDK's own lines (worker state, slow workflow tasks, ...) go to results/worker.log, not
    // between the tables: one line at the end says what is there (GA_LOG_LEVEL=debug shows them).
    const sdkLog = await installSdkLogging({ file: join(results, 'worker.log'), env });
    const [{ planDispatch, startPlanned, followRuns, createRuntime, connectClient, connectWorker }, { prepareSamples }, { ANALYSES }, { PythonWorkerProcess }, { createWorker }, { writeResultsIndex }] =
      await Promise.all([
        dispatching(),
        import('./demo/samples.js'),
        import('./analyses/registry.js'),
        import('./client/python-worker.js'),
        import('./temporal/worker-factory.js'),
        import('./report/batch-index.js'),
      ]);
    console.log('Preparing sample data (generated once, then cached) ...');
    const { batches, notRun } = await prepareSamples(repoRoot, join(repoRoot, '.cache', 'sample-data'), join(results, 'jobs'), tag);
    const runtime = await createRuntime(config, env);
    const client = await connectClient(config.temporal);
    const workerConnection = await connectWorker(config.temporal);
    const worker = await createWorker({
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: runtime.activities,
      maxConcurrentActivityTaskExecutions: config.concurrency.maxConcurrentActivities,
    });
    // The Python analyses (python/manifests) run on a Python worker of their own, started here
    // like the TypeScript one (its venv is built once into the cache).
    const python = ANALYSES.flatMap((a) => (a.servedBy ? [a] : []));
    let pythonWorker: PythonWorkerProcess | undefined;
    if (python.length) {
      console.log(`Starting the Python worker for ${python.map((a) => a.parameters.name).join(', ')} (its venv is built on the first start) ...`);
      await mkdir(results, { recursive: true });
      pythonWorker = new PythonWorkerProcess(env, python.map((a) => a.servedBy!.entry), join(results, 'python-worker.log'));
      await pythonWorker.start();
    }
    const batchTag = `start-${tag}`;
    const rows: DispatchRow[] = [];
    try {
      const summary = await worker.runUntil(async () => {
        for (const b of batches) {
          const planned = await planDispatch({ jobs: [b.jobsDir], parametersFile: b.parametersFile, codeVersion: codeVersion(env), batchTag, sessionParallelism: config.concurrency.sessionParallelism, pythonTaskQueue: config.temporal.pythonTaskQueue });
          rows.push(...(await startPlanned(planned, { client, taskQueue: config.temporal.taskQueue, records: runtime.records })));
        }
        console.log(dispatchTable(rows));
        return await followRuns(client, rows.filter((r) => r.status === 'started' || r.status === 'already-running'));
      });
      // This batch's runs only (records of older code versions share the tag but not the key).
      const records = (await runtime.records.getMany(rows.map((r) => r.dedupKey!))).sort((a, b) =>
        a.subject_id === b.subject_id ? a.analysis.name.localeCompare(b.analysis.name) : a.subject_id.localeCompare(b.subject_id),
      );
      // The index shows this batch and links every batch of ./results (former tags and code versions).
      const { batches: all } = await writeResultsIndex(runtime.deps.results, await runtime.records.find({}), { current: records, title: `Sample batch (tag ${tag})`, notRun });
      console.log('\nSummary');
      const ran = new Map(summary.map((s: FollowedRun) => [s.row.dedupKey, s]));
      console.log(
        textTable([
          ['mouse', 'analysis', 'sessions', 'status', 'record id', 'output folder', 'wall time'],
          ...records.map((r) => {
            const run = ran.get(r._id);
            return [r.subject_id, r.analysis.name, String(r.inputs.files.length), run ? (run.error ? `failed: ${run.error}` : r.status) : 'already done', r._id.slice(0, 16), fileURLToPath(r.location), run ? `${run.seconds.toFixed(1)} s` : '-'];
          }),
        ]),
      );
      for (const n of notRun) console.log(`Not run: ${n.subject} × ${n.analysis}: ${n.reason}`);
      const others = all.length - 1;
      console.log(`\nReports: ${join(results, 'outputs', 'index.html')}${others > 0 ? ` (this batch, and links to the ${others} other ${others === 1 ? 'batch' : 'batches'} in ./results)` : ''}`);
      const link = uiLink(config, `BatchTag="${batchTag}"`);
      if (link) console.log(`\nTemporal UI (this batch): ${link}`);
      const notice = sdkLog.notice();
      if (notice) console.log(notice.replace(`${repoRoot}/`, ''));
      console.log(`Done in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
      if (summary.some((s) => s.error)) process.exitCode = 1;
    } finally {
      // Detached: it would outlive a failed batch.
      await pythonWorker?.stop();
    }
    await runtime.close();
    await client.connection.close();
    // The last native connection: the SDK's runtime shuts down with it (while it runs, the log
    // forwarding and its signal handlers keep the process alive).
    await workerConnection.close();
    sdkLog.close();
  });

program
  .command('dispatch')
  .description('Start one workflow per (mouse, parameter set) from job files (the lab\'s job_dict/*.json).')
  .argument('<jobs...>', 'job JSON files or folders of them')
  .option('-p, --parameters <file>', 'analysis_parameters.json (single, distributed, or fixed + distributed)')
  .option('-a, --analysis <name>', 'analysis to run (overrides analysis_name in the parameters)')
  .option('--dry-run', 'validate and print the keys without starting anything')
  .option('--wait', 'follow the runs to the end')
  .option('--batch-tag <tag>', 'label the runs (BatchTag search attribute)')
  .option('--allow-unknown-fields', 'ignore unknown top-level fields of job files (a warning each) instead of refusing them')
  .action(async (jobs: string[], o: { parameters?: string; analysis?: string; dryRun?: boolean; wait?: boolean; batchTag?: string; allowUnknownFields?: boolean }) => {
    const env = withServicesEnv();
    const config = loadConfig(env);
    const { planDispatch, startPlanned, followRuns, createRuntime, connectClient } = await dispatching();
    const planned = await planDispatch({ jobs, parametersFile: o.parameters, analysis: o.analysis, codeVersion: codeVersion(env), batchTag: o.batchTag, sessionParallelism: config.concurrency.sessionParallelism, inputBuckets: config.inputBuckets, pythonTaskQueue: config.temporal.pythonTaskQueue, allowUnknownFields: o.allowUnknownFields });
    for (const w of new Set(planned.flatMap((p) => p.warnings))) console.error(`warning: ${w}`);
    if (o.dryRun) {
      console.log(textTable([['job', 'subject', 'analysis', 'dedup key', 'workflow id'], ...planned.map((p) => [p.jobFile, p.input.subjectId, p.input.analysisName, p.input.dedupKey, p.workflowId])]));
      return;
    }
    const runtime = await createRuntime(config, env);
    const client = await connectClient(config.temporal);
    const rows = await startPlanned(planned, { client, taskQueue: config.temporal.taskQueue, records: runtime.records });
    console.log(dispatchTable(rows));
    if (o.wait) {
      const runs = await followRuns(client, rows.filter((r) => r.status === 'started' || r.status === 'already-running'));
      if (runs.length) console.log(`\n${runsTable(runs)}\n\nRecords: npm run cli -- results show <record id>`);
      if (runs.some((r) => r.error)) process.exitCode = 1;
    }
    await runtime.close();
    await client.connection.close();
  });

program
  .command('worker')
  .description('Run a worker for the configured task queue until SIGINT/SIGTERM.')
  .action(async () => {
    const env = withServicesEnv();
    // A worker in the foreground: the SDK's warnings and errors on stderr, plain text.
    await installSdkLogging({ env });
    await (await import('./worker.js')).runWorker(env);
  });

function positiveInt(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('a whole number above 0');
  return Number(value);
}

program
  .command('setup-namespace')
  .description('For admins, once per namespace and safe to repeat: create the Temporal namespace (TEMPORAL_NAMESPACE) and the search attributes the workflows set, where missing, then wait until the server accepts them.')
  .option('--retention <days>', 'how long closed runs stay in Temporal, for a namespace this creates', positiveInt, 30)
  .option('--timeout <seconds>', 'how long to wait for the server and for the changes to take effect', positiveInt, 60)
  .action(async (o: { retention: number; timeout: number }) => {
    // Only the Temporal settings count here: an admin's machine need not configure the stores.
    const temporal = loadTemporalSettings(withServicesEnv());
    const [{ connectWorker }, { setupNamespace }, { REQUIRED_SEARCH_ATTRIBUTES, searchAttributeTypeName }] = await Promise.all([
      import('./temporal/connection.js'),
      import('./temporal/namespace-setup.js'),
      import('./temporal/namespace-check.js'),
    ]);
    // Not connectClient: it refuses a namespace that is not set up yet, which is what this is for.
    const connection = await connectWorker(temporal);
    try {
      const r = await setupNamespace(connection, temporal, { retentionDays: o.retention, timeoutMs: o.timeout * 1000 });
      console.log(`Temporal namespace "${temporal.namespace}" at ${temporal.address}: ${r.namespaceCreated ? `created (closed runs kept ${o.retention} days)` : 'exists'}`);
      const added = REQUIRED_SEARCH_ATTRIBUTES.filter((a) => r.added.includes(a.name)).map((a) => `${a.name} (${searchAttributeTypeName(a.type)})`);
      console.log(added.length ? `Search attributes added: ${added.join(', ')}` : `Search attributes: all ${REQUIRED_SEARCH_ATTRIBUTES.length} present`);
      console.log(`Ready: the namespace accepts the workflows' search attributes (waited ${(r.waitedMs / 1000).toFixed(1)} s)`);
    } finally {
      await connection.close();
    }
  });

registerResultsCommand(program, () => withServicesEnv(), { localResultsDir: join(repoRoot, 'results') });
// `jobs` and `analyses` (also listed by `dispatch --help`) are registered from modules that load
// every analysis and the Temporal SDK: for any command but `results`, which needs neither.
const asked = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (asked !== 'results') {
  const [{ registerJobsCommand }, { registerAnalysesCommand }] = await Promise.all([import('./client/jobs-command.js'), import('./analyses/help.js')]);
  registerJobsCommand(program, () => withServicesEnv());
  registerAnalysesCommand(program);
}

program.parseAsync().catch((e: unknown) => {
  // Bad input and configuration: the message names the file/variable and the fix.
  if (e instanceof ValidationError || e instanceof ConfigError) console.error(e.message);
  else console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(e instanceof ValidationError || e instanceof ConfigError ? 2 : 1);
});
