// The code version recorded in every processing record and hashed into every deduplication
// key: a change of the code that computes results must change the key.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const moduleDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(moduleDir, '..');
// The sources, also when this runs compiled (dist/): a worker on the build and a dispatcher on
// tsx must name the same version. A deployment without src/ hashes what it runs.
const srcDir = existsSync(join(repoRoot, 'src', 'current-code-version.ts')) ? join(repoRoot, 'src') : moduleDir;

let cached: string | undefined;

/**
 * `GA_CODE_VERSION` when set (a release tag or image digest, in production); otherwise
 * `<package version>+src.<first 12 hex of sha256 over every source file>`: stable across
 * machines and clones (no git needed), different after any source change.
 */
export function codeVersion(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GA_CODE_VERSION) return env.GA_CODE_VERSION;
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const files = (readdirSync(srcDir, { recursive: true }) as string[])
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => relative(srcDir, join(srcDir, f)).split(sep).join('/'))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(srcDir, f))).update('\0');
  cached = `${pkg.version}+src.${h.digest('hex').slice(0, 12)}`;
  return cached;
}

