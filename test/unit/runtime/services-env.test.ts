// The worker, the CLI, `npm start` and the operator scripts find the local services the same way
// (issue 25 item 5): the env file `scripts/services.sh up` writes, `${GA_STATE_DIR:-.services}/env`,
// under the explicitly set variables. Checked here for the TypeScript side (src/services-env.ts,
// read by loadConfig) against the shell side (scripts/ops/common.sh) on the same inputs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { servicesEnv, servicesEnvFile, withServicesEnv } from '../../../src/services-env.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const stores = { GA_LOCAL_RESULTS_DIR: '/tmp/r', GA_LOCAL_RECORDS_DIR: '/tmp/q' };

function stateDir(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ga-state-'));
  writeFileSync(join(dir, 'env'), `# Written by scripts/services.sh\n${lines.join('\n')}\n`);
  return dir;
}

// What scripts/ops/common.sh resolves, in a clean environment plus `env`.
function opsResolve(env: Record<string, string>): { address: string; namespace: string; cli: string } {
  const out = execFileSync('bash', ['-c', 'source scripts/ops/common.sh; printf "%s\\n" "$TEMPORAL_ADDRESS" "$TEMPORAL_NAMESPACE" "$TEMPORAL_CLI"'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  const [address, namespace, cli] = out.trimEnd().split('\n');
  return { address, namespace, cli };
}

describe('the local services env file', () => {
  it('is ${GA_STATE_DIR}/env, else .services/env in the repository', () => {
    expect(servicesEnvFile({ GA_STATE_DIR: '/srv/ga-state' })).toBe('/srv/ga-state/env');
    expect(servicesEnvFile({})).toBe(join(ROOT, '.services', 'env'));
    expect(servicesEnvFile({ GA_STATE_DIR: '' })).toBe(join(ROOT, '.services', 'env'));
  });

  it('fills in what the environment does not set; set variables win, even empty ones', () => {
    const dir = stateDir(['TEMPORAL_ADDRESS=127.0.0.1:17233', 'TEMPORAL_NAMESPACE=ns-from-file', 'ANALYSIS_BUCKET=s3://local-bucket', 'not a variable line']);
    expect(servicesEnv({ GA_STATE_DIR: dir })).toEqual({ TEMPORAL_ADDRESS: '127.0.0.1:17233', TEMPORAL_NAMESPACE: 'ns-from-file', ANALYSIS_BUCKET: 's3://local-bucket' });
    const env = withServicesEnv({ GA_STATE_DIR: dir, TEMPORAL_NAMESPACE: 'explicit', ANALYSIS_BUCKET: '' });
    expect(env).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:17233', TEMPORAL_NAMESPACE: 'explicit', ANALYSIS_BUCKET: '' });
    expect(servicesEnv({ GA_STATE_DIR: join(dir, 'missing') })).toEqual({});
  });

  it('gives the worker/CLI configuration and the operator scripts the same Temporal server', () => {
    const moved = stateDir(['TEMPORAL_ADDRESS=127.0.0.1:17233', 'TEMPORAL_NAMESPACE=moved-ns', 'TEMPORAL_CLI=/opt/temporal-from-file']);
    const empty = mkdtempSync(join(tmpdir(), 'ga-state-'));
    mkdirSync(join(empty, 'sub'));
    const cases: Record<string, string>[] = [
      { GA_STATE_DIR: moved }, // services moved by GA_STATE_DIR (e.g. other ports)
      { GA_STATE_DIR: moved, TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'prod' }, // explicit wins
      { GA_STATE_DIR: join(empty, 'sub') }, // no services started: the defaults
    ];
    for (const env of cases) {
      const { temporal } = loadConfig(withServicesEnv({ ...stores, ...env }));
      const ops = opsResolve(env);
      expect({ address: ops.address, namespace: ops.namespace }, JSON.stringify(env)).toEqual({ address: temporal.address, namespace: temporal.namespace });
    }
    expect(opsResolve({ GA_STATE_DIR: moved }).cli).toBe('/opt/temporal-from-file');
    expect(opsResolve({ GA_STATE_DIR: moved, TEMPORAL_CLI: '/usr/local/bin/temporal' }).cli).toBe('/usr/local/bin/temporal');
    expect(opsResolve({ GA_STATE_DIR: join(empty, 'sub') }).cli).toBe('temporal');
  });
});
