// The tested runtime is Node.js 24 LTS (issue 25 item 14): `npm test`, `npm start`, `npm run
// worker` and .ci/run put the Node that scripts/ensure-node.sh installs first on PATH. This fails
// when the tests run on another Node (Node 20 is past its end of life; the AWS SDK warns on it), and
// when the pinned version, `engines` and the README disagree.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const major = (v: string) => Number(v.replace(/^v/, '').split('.')[0]);
const parts = (v: string) => v.replace(/^v/, '').split('.').map(Number);
const atLeast = (v: string, min: string) => {
  const [a, b] = [parts(v), parts(min)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

const pinned = /^NODE_VERSION="([0-9.]+)"$/m.exec(readFileSync(join(ROOT, 'scripts', 'ensure-node.sh'), 'utf8'))?.[1];
const engines: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;

describe('Node.js runtime', () => {
  it('runs the tests on Node 24 LTS or newer', () => {
    expect(major(process.versions.node), `tests run on Node ${process.versions.node} (${process.execPath}); run them with \`npm test\`, or put \`$(bash scripts/ensure-node.sh)\` first on PATH`).toBeGreaterThanOrEqual(24);
  });

  it('gives child processes the same Node, by process.execPath and by `node` on PATH', () => {
    const version = (cmd: string) => execFileSync(cmd, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(version(process.execPath)).toBe(process.versions.node);
    expect(version('node'), 'the `node` first on PATH (scripts and npm run use it)').toBe(process.versions.node);
  });

  it('pins a Node 24 that `engines` allows and the README names', () => {
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    const min = /^>=(\d+\.\d+\.\d+)$/.exec(engines)?.[1];
    expect(min, `engines.node is "${engines}"`).toBeDefined();
    expect(major(min!)).toBe(24);
    expect(atLeast(pinned!, min!)).toBe(true);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`node-v${pinned}`);
  });
});
