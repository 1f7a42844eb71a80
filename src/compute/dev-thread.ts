// A compute thread's entry when the worker runs from the TypeScript sources (vitest, tsx, `npm run
// cli -- worker`); the built worker (dist/) starts ./thread.js directly. Node loads this file
// itself (it strips the types; hence no imports but Node's own), then loads the rest of src/
// through the hooks below, in this thread only. Not tsx: it would also transform h5wasm's large
// module in every thread and keep the copy (see README "Production configuration").
import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';

registerHooks({
  // Sources import each other by their compiled names (`./stages.js`): `./stages.ts` here.
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (e) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !relative || !specifier.endsWith('.js')) throw e;
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
  },
  // 'transform' also compiles what type stripping alone refuses (constructor parameter properties).
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
    const source = stripTypeScriptTypes(readFileSync(new URL(url), 'utf8'), { mode: 'transform', sourceMap: true, sourceUrl: url });
    return { format: 'module', source, shortCircuit: true };
  },
});

const thread: { default: unknown } = await import(new URL('./thread.ts', import.meta.url).href);
export default thread.default;
