// The lint rules that keep workflow code deterministic and promises handled (eslint.config.js),
// checked on code that breaks them: a rule that silently stopped applying would pass `npm run lint`.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../', import.meta.url).pathname });
// An existing file's path, so the type-aware rules see the project's types.
const rulesFor = async (code: string, filePath: string) =>
  (await eslint.lintText(code, { filePath })).flatMap((r) => r.messages.map((m) => m.ruleId));

describe('lint', () => {
  it('forbids Node built-ins and value imports of activities in workflow code', async () => {
    const ids = await rulesFor(
      `import { hash } from 'node:crypto';\nimport { createAnalysisActivities } from '../activities/analysis.js';\nexport const x = [hash, createAnalysisActivities];\n`,
      'src/workflows/analysis.ts',
    );
    expect(ids.filter((id) => id === '@typescript-eslint/no-restricted-imports')).toHaveLength(2);
    expect(await rulesFor(`import type { AnalysisActivities } from '../activities/analysis.js';\nexport type A = AnalysisActivities;\n`, 'src/workflows/analysis.ts')).toEqual([]);
  });

  it('forbids floating and misused promises', async () => {
    const ids = await rulesFor(
      `export function f(p: Promise<void>, on: (cb: () => void) => void) {\n  p.then(() => 1);\n  on(async () => { await p; });\n}\n`,
      'src/concurrency.ts',
    );
    expect(ids).toEqual(expect.arrayContaining(['@typescript-eslint/no-floating-promises', '@typescript-eslint/no-misused-promises']));
  });
});
