// Adding an analysis needs no edit outside its folder and the registry line, end to end: the
// scaffold runs into a throw-away copy of the repository, and that copy's own CLI (a worker and a
// dispatcher, as separate processes) runs the new plugin on generated sessions in the real S3
// server, through the same workflow type, with its own record (FerretDB), key and search attributes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessingRecord } from '../../src/activities/record.js';
import { loadConfig, type Config } from '../../src/config.js';
import { generateDataset, type MouseTruth } from '../../src/generator/generate.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { connectClient } from '../../src/temporal/connection.js';
import { scaffoldAnalysis } from '../../scripts/new-analysis.js';
import { uploadToS3, waitUntilListed } from '../support/e2e.js';
import { copyRepo, type RepoCopy } from '../support/repo-copy.js';

const run = promisify(execFile);
const NAME = 'scaffolded-e2e';

describe(`a scaffolded plugin ("${NAME}") runs end to end from a copy of the repository`, () => {
  const tag = `e2e-${randomUUID().slice(0, 8)}`;
  let repo: RepoCopy;
  let created: string[];
  let data: string;
  let truth: MouseTruth;
  let config: Config;
  let runtime: Runtime;
  let client: Client;
  let worker: ChildProcess;
  let env: NodeJS.ProcessEnv;

  /** The copy's CLI, in its own process (tsx resolved from the copy's linked node_modules). */
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: repo.root, env });

  beforeAll(async () => {
    repo = await copyRepo();
    ({ created } = await scaffoldAnalysis(NAME, repo.root));

    data = await mkdtemp(join(tmpdir(), 'ga-e2e-scaffold-'));
    const { mice } = await generateDataset({ seed: 11, mice: 1, sessions: 2, trials: 100, format: 'mixed', channels: ['G_1'], skipWeekends: false }, join(data, 'nwb'));
    truth = JSON.parse(await readFile(join(data, 'nwb', mice[0].folder, 'truth.json'), 'utf8')) as MouseTruth;

    env = { ...process.env, TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}` };
    config = loadConfig(env);
    runtime = await createRuntime(config, env);
    client = await connectClient(config.temporal);

    // One asset folder per session (HDF5 file, Zarr folder), as the lab's buckets hold them.
    const locations: string[] = [];
    for (const s of truth.sessions) {
      const uri = await uploadToS3(config, join(data, 'nwb', mice[0].folder, s.file), `inputs-${tag}/${s.session_id}`, s.file);
      locations.push(uri.slice(0, uri.lastIndexOf('/')));
    }
    await writeFile(
      join(data, 'job.json'),
      JSON.stringify({ s3_location: locations, asset_name: truth.sessions.map((s) => s.session_id), group_metadata: { 'subject.subject_id': truth.subject_id } }),
    );
    for (const name of [NAME, 'foraging-summary']) {
      await writeFile(join(data, `${name}.json`), JSON.stringify({ analysis_parameter: { analysis_name: name, analysis_tag: tag } }));
    }

    worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], { cwd: repo.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"msg":"worker started"')) resolve();
      };
      worker.stdout!.on('data', collect);
      worker.stderr!.on('data', collect);
      worker.once('exit', (code) => reject(new Error(`the copy's worker exited (${code}) before starting:\n${output}`)));
    });
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM'); // graceful: stops polling, lets in-flight activities finish
      await exited;
    }
    await runtime?.close();
    await client?.connection.close();
    await repo?.remove();
    if (data) await rm(data, { recursive: true, force: true });
  });

  it('the copy differs from this repository only by the plugin, its test, its schema and the registry', () => {
    const changed = repo.git('status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean);
    expect(changed.sort()).toEqual([' M src/analyses/registry.ts', ...created.map((f) => `?? ${f}`)].sort());
    expect(created.filter((f) => !f.startsWith(`src/analyses/${NAME}/`))).toEqual([`test/unit/analyses/${NAME}.test.ts`, `schemas/analysis-${NAME}.schema.json`]);
  });

  it('dispatch --wait completes one analysisWorkflow with its own record, key and search attributes', async () => {
    await cli('dispatch', join(data, 'job.json'), '--parameters', join(data, `${NAME}.json`), '--wait', '--batch-tag', tag);

    const records = (await runtime.records.find({ equals: { 'analysis.tag': tag } })) as ProcessingRecord[];
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({ status: 'completed', subject_id: truth.subject_id, analysis: { name: NAME, version: '0.1.0', tag } });
    expect(record.inputs.files.map((f) => f.uri.split('/').pop())).toEqual(truth.sessions.map((s) => s.file));

    // The plugin's outputs (beside what the generic layers add), verified and listed in the
    // record; its summary is the record's too.
    const key = record._id;
    const outputs = record.outputs.map((o) => o.uri.slice(o.uri.indexOf(`${key}/`) + key.length + 1));
    expect(outputs).toEqual(expect.arrayContaining(['manifest.json', 'sessions.csv', 'summary.json']));
    const summary = JSON.parse(new TextDecoder().decode(await runtime.deps.results.get(`${key}/summary.json`))) as Record<string, unknown>;
    const total = (k: 'n_trials' | 'n_finished' | 'n_earned') => truth.sessions.reduce((sum, s) => sum + s[k], 0);
    expect(summary).toEqual({
      subject_id: truth.subject_id,
      sessions: 2,
      sessions_counted: 2,
      total_trials: total('n_trials'),
      finished_trials: total('n_finished'),
      reward_trials: total('n_earned'),
    });
    expect(record.processing.data_processes[0].output_parameters).toEqual(summary);

    // Same workflow type as every analysis; the ID and search attributes name this plugin.
    expect(record.temporal.workflow_id).toBe(`${NAME}/${truth.subject_id}/${tag}/${key.slice(0, 20)}`);
    const description = await client.workflow.getHandle(record.temporal.workflow_id).describe();
    expect(description.type).toBe('analysisWorkflow');
    expect(await waitUntilListed(client, `AnalysisName = "${NAME}" AND AnalysisTag = "${tag}" AND DedupKey = "${key}"`)).toEqual([record.temporal.workflow_id]);
  });

  it('keys the same job differently for another analysis, and a second dispatch starts nothing', async () => {
    const [record] = (await runtime.records.find({ equals: { 'analysis.tag': tag } })) as ProcessingRecord[];
    const other = await cli('dispatch', join(data, 'job.json'), '--parameters', join(data, 'foraging-summary.json'), '--dry-run');
    expect(other.stdout).toContain(`foraging-summary/${truth.subject_id}/${tag}/`);
    expect(other.stdout).not.toContain(record._id);

    const again = await cli('dispatch', join(data, 'job.json'), '--parameters', join(data, `${NAME}.json`));
    expect(again.stdout).toContain('already-done');
    expect(await runtime.records.count({ equals: { 'analysis.tag': tag } })).toBe(1);
  });
});
