// `results show` for people: a run's processing record summed up in a screenful (what ran on
// which mouse, its status, the error with its type and traceback, inputs, outputs with sizes,
// where the report is, step timings); `--json` prints the record itself.
import { fileURLToPath } from 'node:url';
import { elapsedMs, formatBytes, formatDateTime, formatDuration } from '../report/human-readable.js';
import { outputName, REPORT_NAME } from '../report/outputs.js';
import type { ProcessingRecord } from '../schemas/record.js';
import { textTable } from './text-table.js';

/** What publishing adds beside the analysis's own files: the run's report and its manifest. */
export const PUBLISHED_FILES = [REPORT_NAME, 'manifest.json'] as const;

export interface NamedOutput {
  name: string;
  size: number;
}

/** A record's outputs split into the analysis's own files (what the report lists) and the report and manifest. */
export function outputsOf(record: ProcessingRecord): { analysis: NamedOutput[]; published: string[] } {
  const named = record.outputs.map((o) => ({ name: outputName(record.location, o.uri) ?? o.uri, size: o.size }));
  const isPublished = (n: string) => (PUBLISHED_FILES as readonly string[]).includes(n);
  return { analysis: named.filter((o) => !isPublished(o.name)), published: named.filter((o) => isPublished(o.name)).map((o) => o.name) };
}

/** ", plus the report index.html and manifest.json" (empty when publishing added nothing). */
function plusPublished(published: readonly string[]): string {
  return published.length ? `, plus ${published.includes(REPORT_NAME) ? 'the report ' : ''}${published.join(' and ')}` : '';
}

/** "35 files of the analysis, as the report lists them, plus the report index.html and manifest.json". */
export function outputsBreakdown(record: ProcessingRecord): string {
  const { analysis, published } = outputsOf(record);
  return `${analysis.length} ${analysis.length === 1 ? 'file' : 'files'} of the analysis, as the report lists them${plusPublished(published)}`;
}

const sum = (xs: readonly NamedOutput[]) => xs.reduce((s, x) => s + x.size, 0);

/**
 * Top-level files and a folder's files one per line; a folder with subfolders (`sessions/<id>/...`)
 * or of more than `fold` files as one line (count, total size).
 */
function outputLines(outputs: readonly NamedOutput[], fold = 12): string[][] {
  const folders = new Map<string, NamedOutput[]>();
  for (const o of outputs) {
    const slash = o.name.indexOf('/');
    const key = slash < 0 ? o.name : o.name.slice(0, slash + 1);
    folders.set(key, [...(folders.get(key) ?? []), o]);
  }
  return [...folders.entries()].flatMap(([key, files]) =>
    key.endsWith('/') && (files.length > fold || files.some((f) => f.name.split('/').length > 2)) ? [[`  ${key}`, `${files.length} files`, formatBytes(sum(files))]] : files.map((f) => [`  ${f.name}`, '', formatBytes(f.size)]),
  );
}

/** Where to open the run's report: a path for a local results folder, else its URI and how to fetch it. */
function reportLine(record: ProcessingRecord, published: string[]): string | undefined {
  if (!published.includes(REPORT_NAME)) return undefined;
  const uri = `${record.location.replace(/\/?$/, '/')}${REPORT_NAME}`;
  return uri.startsWith('file:') ? fileURLToPath(uri) : `${uri} (results get ${record._id.slice(0, 8)} --out DIR to read it locally)`;
}

/** The summary `results show` prints. */
export function recordSummary(record: ProcessingRecord): string {
  const dp = record.processing.data_processes[0];
  const { analysis, published } = outputsOf(record);
  const sessions = record.inputs.files.length;
  const locations = record.inputs.locations.length;
  const field = (name: string, value: string) => `${name.padEnd(10)}${value}`;
  const lines = [
    `${record.analysis.name} of ${record.subject_id} (tag ${record.analysis.tag}): ${record.status}`,
    field('key', record._id),
    field('workflow', `${record.temporal.workflow_id} (run ${record.temporal.run_id})`),
    field('code', `${dp.code.version} (${dp.code.language} ${dp.code.language_version}), analysis version ${record.analysis.version}`),
    field('inputs', `${sessions} ${sessions === 1 ? 'session' : 'sessions'} in ${locations} ${locations === 1 ? 'location' : 'locations'}`),
  ];
  if (record.error) {
    const e = record.error;
    lines.push(field('error', `${e.type ? `${e.type} in` : 'in'} step ${e.step}: ${e.message}`));
    if (e.file) lines.push(`          file: ${e.file}`);
    if (e.traceback) lines.push('          traceback (last frames):', ...e.traceback.trimEnd().split('\n').map((l) => `          ${l}`));
  }
  if (record.warnings.length) {
    lines.push(field('warnings', String(record.warnings.length)), ...record.warnings.slice(0, 5).map((w) => `  - ${w}`));
    if (record.warnings.length > 5) lines.push(`  ... ${record.warnings.length - 5} more (results show ${record._id.slice(0, 8)} --json)`);
  }
  if (record.outputs.length) {
    lines.push(field('outputs', `${record.outputs.length}: ${analysis.length} from the analysis (${formatBytes(sum(analysis))})${plusPublished(published)}`));
    lines.push(...textTable(outputLines(analysis)).split('\n'));
  } else {
    lines.push(field('outputs', 'none'));
  }
  const report = reportLine(record, published);
  if (report) lines.push(field('report', report));
  const steps = record.steps.map((s) => `${s.name} ${s.duration_ms === undefined ? '?' : formatDuration(s.duration_ms)}${s.attempts && s.attempts > 1 ? ` (${s.attempts} attempts)` : ''}`);
  const total = dp.end_date_time ? ` · total ${formatDuration(elapsedMs(dp.start_date_time, dp.end_date_time))}` : '';
  lines.push(field('timings', `${steps.join(' · ') || 'none recorded'}${total}`));
  lines.push(field('started', `${formatDateTime(dp.start_date_time)}${dp.end_date_time ? `, ended ${formatDateTime(dp.end_date_time)}` : ''}`));
  return lines.join('\n');
}
