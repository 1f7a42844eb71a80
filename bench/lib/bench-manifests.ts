// The benchmarks' own Python analyses (bench/python/, manifests in bench/python/manifests/) join
// the registry through GA_PYTHON_MANIFESTS. Import this module before anything that imports
// src/analyses/registry.ts (which reads the manifests once, when it is loaded). Synchronous on
// purpose: a manifest left stale by an edit to the analysis (or to the framework, whose version
// its code version hashes) is exported again here, before the registry can read the old one.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export const BENCH_MANIFESTS = join(REPO_ROOT, 'bench', 'python', 'manifests');
/** `--analyses` spec of the no-op Python analysis (its manifest's `entry`). */
export const NOOP_PY_SPEC = 'bench/python/noop_py.py:analysis';

/** The Python venv's interpreter (scripts/python-venv.sh builds it on first use). */
export const PYTHON = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'python-venv.sh')], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .trim()
  .split('\n')
  .at(-1)!;

const cli = join(dirname(PYTHON), 'grouped-analysis-py');
const exportArgs = ['export-manifest', '--analyses', NOOP_PY_SPEC, '--out', BENCH_MANIFESTS];
try {
  execFileSync(cli, [...exportArgs, '--check'], { cwd: REPO_ROOT, stdio: 'pipe' });
} catch {
  execFileSync(cli, exportArgs, { cwd: REPO_ROOT, stdio: 'pipe' });
  console.error(`${BENCH_MANIFESTS}: the no-op analysis's manifest was stale; exported it again`);
}
process.env.GA_PYTHON_MANIFESTS = [process.env.GA_PYTHON_MANIFESTS, BENCH_MANIFESTS].filter(Boolean).join(':');
