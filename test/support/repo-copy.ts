// A throw-away copy of this repository's code (working tree: src/, schemas/, python/manifests, package.json,
// tsconfig.json and the given extra files), committed in its own git repository so a test can
// run the scaffold into it and see exactly what changed.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Local binaries of this repository, for child processes run in the copy. */
export const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);

export interface RepoCopy {
  root: string;
  /** Runs git in the copy; returns its output. */
  git(...args: string[]): string;
  remove(): Promise<void>;
}

export async function copyRepo(extraFiles: readonly string[] = []): Promise<RepoCopy> {
  const root = await mkdtemp(join(tmpdir(), 'ga-repo-copy-'));
  // python/manifests: the Python analyses the registry (and so schemas/) lists.
  for (const p of ['src', 'schemas', 'python/manifests', 'package.json', 'tsconfig.json', ...extraFiles]) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await cp(join(REPO_ROOT, p), join(root, p), { recursive: true });
  }
  // Read-only inputs are linked: the packages, and the fixtures the data generator copies from.
  const linked = ['node_modules', 'test/fixtures'];
  for (const p of linked) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await symlink(join(REPO_ROOT, p), join(root, p), 'dir');
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false', ...args], {
      cwd: root,
      encoding: 'utf8',
    });
  git('init', '-q');
  // No trailing slashes: `dir/` would match directories only, not these links.
  await writeFile(join(root, '.gitignore'), linked.map((p) => `/${p}\n`).join(''));
  git('add', '-A');
  git('commit', '-q', '-m', 'copy');
  return { root, git, remove: () => rm(root, { recursive: true, force: true }) };
}
