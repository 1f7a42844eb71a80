// What a worker prints once it is ready: where it connected (Temporal address, namespace, task
// queue, results and record stores), its code version and where its settings came from. A block
// for a person at a terminal; one JSON line otherwise ("msg":"worker started", which tools and
// tests wait for). Never a secret: passwords in URIs are hidden, keys are not shown.
import { redactedConfig, redactUri, type Config } from '../config.js';

export interface WorkerStartedOptions {
  codeVersion: string;
  /** The local services env file the settings were completed from, if one was read. */
  settingsFile?: string;
  /** stdout is a terminal: the block, else the JSON line. */
  tty: boolean;
}

function temporalPlace({ address, namespace, tls, apiKey }: Config['temporal']): string {
  const security = [tls ? 'TLS' : '', apiKey ? 'API key' : ''].filter(Boolean).join(', ');
  return `${address}, namespace ${namespace}${security ? ` (${security})` : ''}`;
}

function resultsPlace(store: Config['objectStore']): string {
  if (store.kind === 'local') return `folder ${store.root}`;
  const where = store.endpoint ? `S3 at ${store.endpoint}` : `AWS ${store.region}`;
  return `s3://${store.bucket}${store.prefix ? `/${store.prefix}` : ''} (${where})`;
}

function recordsPlace(store: Config['recordStore']): string {
  if (store.kind === 'local') return `folder ${store.root}`;
  return `${redactUri(store.uri)} (database ${store.db}, collection ${store.collection})`;
}

export function workerStartedMessage(config: Config, o: WorkerStartedOptions): string {
  const place = {
    temporal: temporalPlace(config.temporal),
    taskQueue: config.temporal.taskQueue,
    results: resultsPlace(config.objectStore),
    records: recordsPlace(config.recordStore),
    codeVersion: o.codeVersion,
    settings: o.settingsFile ? `environment, then ${o.settingsFile}` : 'environment only',
  };
  if (!o.tty) {
    const { address, namespace, taskQueue } = config.temporal;
    return JSON.stringify({
      msg: 'worker started',
      temporal: { address, namespace, taskQueue },
      taskQueue,
      results: place.results,
      records: place.records,
      codeVersion: o.codeVersion,
      ...(o.settingsFile && { settingsFile: o.settingsFile }),
      config: redactedConfig(config),
    });
  }
  const rows: [string, string][] = [
    ['Temporal', place.temporal],
    ['task queue', place.taskQueue],
    ['results', place.results],
    ['records', place.records],
    ['code version', place.codeVersion],
    ['settings', place.settings],
  ];
  if (config.temporal.uiUrl) rows.push(['Web UI', `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`]);
  return [
    'Worker started; Ctrl-C stops it (in-flight activities finish first).',
    ...rows.map(([k, v]) => `  ${k.padEnd(14)}${v}`),
  ].join('\n');
}
