// Adding an analysis needs no edit outside its own folder and the registry line: the scaffold runs
// into a throw-away copy of the repository, git shows what changed, the copy type-checks, and
// there the generated test (the plugin's per-session and group stages on generated data) and the
// schema drift test pass; the registry and --help pick the plugin up.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifierFor, registerIn, scaffoldAnalysis, ScaffoldError } from '../../../scripts/new-analysis.js';
import { bin, copyRepo, type RepoCopy } from '../../support/repo-copy.js';

const run = promisify(execFile);
const NAME = 'lick-count';
const IDENT = 'lickCountAnalysis';

let repo: RepoCopy;
let created: string[];

beforeAll(async () => {
  repo = await copyRepo(['test/unit/schemas/json-schemas.test.ts']);
  ({ created } = await scaffoldAnalysis(NAME, repo.root));
}, 60_000);
afterAll(() => repo?.remove());

describe('npm run new-analysis', () => {
  it('creates the plugin folder, its test and its schema, and touches no other file but the registry', () => {
    const status = repo.git('status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean).sort();
    expect(status).toEqual([
      ' M src/analyses/registry.ts',
      `?? schemas/analysis-${NAME}.schema.json`,
      `?? src/analyses/${NAME}/README.md`,
      `?? src/analyses/${NAME}/index.ts`,
      `?? test/unit/analyses/${NAME}.test.ts`,
    ]);
    expect([...created].sort()).toEqual(status.slice(1).map((s) => s.slice(3)));
  });

  it('changes the registry by one import and one TYPESCRIPT_ANALYSES entry', () => {
    const diff = repo.git('diff', '-U0', 'src/analyses/registry.ts').split('\n');
    const added = diff.filter((l) => /^\+(?!\+\+ )/.test(l)).map((l) => l.slice(1));
    const removed = diff.filter((l) => /^-(?!-- )/.test(l)).map((l) => l.slice(1));
    expect(added.filter((l) => l.startsWith('import'))).toEqual([`import { ${IDENT} } from './${NAME}/index.js';`]);
    expect(added.filter((l) => !l.includes(IDENT))).toEqual([]);
    // At most the TYPESCRIPT_ANALYSES line that the entry extends, and it comes back with the entry.
    expect(removed.length).toBeLessThanOrEqual(1);
    for (const r of removed) expect(added).toContain(r.replace(/\](?=[^\]]*$)/, `, ${IDENT}]`));
  });

  it('leaves a repository that type-checks', async () => {
    await expect(run(bin('tsc'), ['-p', join(repo.root, 'tsconfig.json'), '--noEmit'], { cwd: repo.root })).resolves.toBeDefined();
  }, 120_000);

  it('writes a test that passes (its stages on generated data), and the copied schema drift test passes too', async () => {
    const report = join(repo.root, 'vitest-report.json');
    const files = [`test/unit/analyses/${NAME}.test.ts`, 'test/unit/schemas/json-schemas.test.ts'];
    const outcome = await run(bin('vitest'), ['run', '--root', repo.root, '--reporter=json', `--outputFile=${report}`, ...files], { cwd: repo.root }).catch(
      (e: { stdout?: string; stderr?: string }) => e,
    );
    const result = JSON.parse(await readFile(report, 'utf8').catch(() => 'null')) as {
      numPassedTests: number;
      numFailedTests: number;
      testResults: { name: string; status: string; message: string }[];
    } | null;
    expect(result, `vitest in the copy wrote no report: ${String(outcome.stderr)}`).not.toBeNull();
    // vitest reports files in completion order, which varies run to run.
    const byFile = result!.testResults.map((t) => [t.name.slice(repo.root.length + 1), t.status, t.message]).sort();
    expect(byFile).toEqual(files.map((f) => [f, 'passed', '']).sort());
    expect(result!.numFailedTests).toBe(0);
    expect(result!.numPassedTests).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('is registered and described by the generated --help', async () => {
    // In a fresh process: this one imported the copy's registry before the scaffold edited it.
    const script = `import { analysisHelp } from './src/analyses/help.ts'; process.stdout.write(analysisHelp('${NAME}') + analysisHelp());`;
    const { stdout } = await run(bin('tsx'), ['--eval', script], { cwd: repo.root });
    expect(stdout).toMatch(/^lick-count 0\.1\.0: Lick count\n/);
    expect(stdout).toContain('    min_trials: integer 0..100000  (default 0)\n        Sessions with fewer trials');
    expect(stdout).toContain('Analyses (pick one');
    expect(stdout.match(/^lick-count 0\.1\.0/gm)).toHaveLength(2); // alone, then in the full listing
  }, 60_000);
});

describe('scaffold refusals (nothing is written)', () => {
  it.each([
    ['Lick_Rate', /not an analysis name/],
    ['-lick', /not an analysis name/],
    ['foraging-summary', /already registered \(registered analyses: .*foraging-summary/],
    ['parameters', /would overwrite schemas\/analysis-parameters\.schema\.json/],
    ['get', /getAnalysis is already used in src\/analyses\/registry\.ts/],
    ['grouped-photometry', /src\/analyses\/grouped-photometry.* already exist/],
  ])('%s', async (name, message) => {
    const before = repo.git('status', '--porcelain', '--untracked-files=all');
    await expect(scaffoldAnalysis(name, repo.root)).rejects.toThrow(ScaffoldError);
    await expect(scaffoldAnalysis(name, repo.root)).rejects.toThrow(message);
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe(before);
  });
});

describe('identifierFor and registerIn', () => {
  it('makes a camel-case identifier that cannot be a reserved word or start with a digit', () => {
    expect(identifierFor('lick-rate')).toBe('lickRateAnalysis');
    expect(identifierFor('class')).toBe('classAnalysis');
    expect(identifierFor('2p-imaging')).toBe('_2pImagingAnalysis');
    expect(identifierFor('a--b-')).toBe('aBAnalysis');
  });

  const header = "import type { AnyAnalysis } from './define.js';\nimport { a } from './a/index.js';\n\n";
  it('extends a one-line TYPESCRIPT_ANALYSES array', () => {
    expect(registerIn(`${header}const TYPESCRIPT_ANALYSES: readonly AnyAnalysis[] = [a];\n`, 'new-one', 'newOneAnalysis')).toBe(
      `${header.trimEnd()}\nimport { newOneAnalysis } from './new-one/index.js';\n\nconst TYPESCRIPT_ANALYSES: readonly AnyAnalysis[] = [a, newOneAnalysis];\n`,
    );
  });

  it('extends a one-entry-per-line TYPESCRIPT_ANALYSES array, with or without a trailing comma', () => {
    const expected = `const TYPESCRIPT_ANALYSES: readonly AnyAnalysis[] = [\n  a,\n  b,\n  newOneAnalysis,\n];\n`;
    for (const list of ['[\n  a,\n  b,\n]', '[\n  a,\n  b\n]']) {
      expect(registerIn(`${header}const TYPESCRIPT_ANALYSES: readonly AnyAnalysis[] = ${list};\n`, 'new-one', 'newOneAnalysis')).toContain(expected);
    }
  });

  it('refuses a registry it does not recognise', () => {
    expect(() => registerIn('export const OTHERS = [a];\n', 'x', 'xAnalysis')).toThrow(/register xAnalysis by hand/);
  });
});
