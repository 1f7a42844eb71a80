// Lint as the Temporal TypeScript samples do: promises are awaited or handled (a floating one
// hides a failed activity or store write), and workflow code imports neither Node built-ins nor
// activity implementations (the workflow sandbox must stay deterministic; activities are typed
// through `import type` only). Type-aware rules, so they see which expressions are promises.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'results/**', '.cache/**', 'python/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `a && f()`, `c ? f() : g()` and `(f(), g())` as statements are this code base's idiom.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Control characters in regular expressions are deliberate here (NUL in font tables, ESC in
      // terminal output checks).
      'no-control-regex': 'off',
      // `_`-prefixed names are unused on purpose (destructuring a field away).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
            name,
            message: 'workflow code runs in a deterministic sandbox: no Node built-ins (do it in an activity)',
          })),
          patterns: [
            { group: ['**/activities/*', '!**/activities/*.js'], message: 'import activity types only, from their .js path' },
            { group: ['**/activities/**'], allowTypeImports: true, message: 'workflows import activities as types only (import type ...)' },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
