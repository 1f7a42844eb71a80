// `setup-namespace` on the paths the real servers here cannot show: a server that refuses the
// operator calls (as Temporal Cloud does), an attribute of the wrong type, a server still starting,
// a frontend whose namespace cache has not caught up yet, and one that never does. The real runs
// (dev server and PostgreSQL cluster): test/integration/namespace-setup.test.ts.
import { describe, expect, it } from 'vitest';
import type { AdminConnection } from '../../../src/temporal/namespace-setup.js';
import { setupNamespace } from '../../../src/temporal/namespace-setup.js';
import { indexedValueType, NamespaceSetupError, REQUIRED_SEARCH_ATTRIBUTES } from '../../../src/temporal/namespace-check.js';

const local = { address: '127.0.0.1:7233', namespace: 'lab', taskQueue: 'q' };
const cloud = { ...local, address: 'lab.a1b2c.tmprl.cloud:7233' };
const options = { retentionDays: 30, timeoutMs: 5_000 };
const grpcError = (code: number, message = `gRPC ${code}`) => Object.assign(new Error(message), { code });
const ALL = Object.fromEntries(REQUIRED_SEARCH_ATTRIBUTES.map((a) => [a.name, indexedValueType(a.type)]));

/** An in-memory server: `faults` make the next calls of a method fail with the given gRPC codes. */
function fakeServer(start: { namespace?: boolean; attributes?: Record<string, number> } = {}, faults: Record<string, number[]> = {}) {
  let exists = start.namespace ?? false;
  const attributes: Record<string, number> = { ...start.attributes };
  const calls: { method: string; request: unknown }[] = [];
  const call = async <T>(method: string, request: unknown, answer: () => T): Promise<T> => {
    calls.push({ method, request });
    const code = faults[method]?.shift();
    if (code !== undefined) throw grpcError(code);
    return answer();
  };
  const notFound = () => {
    throw grpcError(5, 'namespace not found');
  };
  const connection = {
    workflowService: {
      describeNamespace: (r: unknown) => call('describeNamespace', r, () => (exists ? {} : notFound())),
      registerNamespace: (r: unknown) => call('registerNamespace', r, () => ((exists = true), {})),
      countWorkflowExecutions: (r: unknown) => call('countWorkflowExecutions', r, () => ({ count: 0 })),
    },
    operatorService: {
      listSearchAttributes: (r: unknown) => call('listSearchAttributes', r, () => (exists ? { customAttributes: { ...attributes } } : notFound())),
      addSearchAttributes: (r: { searchAttributes?: Record<string, number> | null }) => call('addSearchAttributes', r, () => (Object.assign(attributes, r.searchAttributes), {})),
    },
  } as unknown as AdminConnection;
  return { connection, calls, attributes, methods: () => calls.map((c) => c.method) };
}

describe('setupNamespace', () => {
  it('waits for a starting server and for the frontend to accept the attributes, then reports what it created', async () => {
    const server = fakeServer({}, { describeNamespace: [14, 14], countWorkflowExecutions: [3, 3] });
    const r = await setupNamespace(server.connection, local, options);
    expect(r).toMatchObject({ namespaceCreated: true, added: REQUIRED_SEARCH_ATTRIBUTES.map((a) => a.name) });
    expect(server.attributes).toEqual(ALL);
    expect(server.calls.find((c) => c.method === 'registerNamespace')?.request).toMatchObject({ namespace: 'lab', workflowExecutionRetentionPeriod: { seconds: expect.anything() } });
    expect(server.methods().filter((m) => m === 'countWorkflowExecutions')).toHaveLength(3);
  });

  it('changes nothing on a namespace that is set up', async () => {
    const server = fakeServer({ namespace: true, attributes: { ...ALL, Extra: 2 } });
    expect(await setupNamespace(server.connection, local, options)).toMatchObject({ namespaceCreated: false, added: [] });
    expect(server.methods()).not.toContain('registerNamespace');
    expect(server.methods()).not.toContain('addSearchAttributes');
  });

  it('adds only the missing attributes', async () => {
    const { SessionCount: _s, BatchTag: _b, ...some } = ALL;
    const server = fakeServer({ namespace: true, attributes: some });
    expect((await setupNamespace(server.connection, local, options)).added).toEqual(['SessionCount', 'BatchTag']);
    expect(server.calls.find((c) => c.method === 'addSearchAttributes')?.request).toEqual({ namespace: 'lab', searchAttributes: { SessionCount: ALL.SessionCount, BatchTag: ALL.BatchTag } });
  });

  it('leaves an attribute of the wrong type to the admin, saying how to replace it', async () => {
    const server = fakeServer({ namespace: true, attributes: { ...ALL, SessionCount: ALL.SubjectId } });
    const error = await setupNamespace(server.connection, local, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NamespaceSetupError);
    expect((error as Error).message).toContain('temporal operator search-attribute remove --namespace lab --name SessionCount');
    expect(server.methods()).not.toContain('addSearchAttributes');
  });

  it('on a server that refuses to create namespaces, says how to create it', async () => {
    const server = fakeServer({}, { registerNamespace: [7] });
    const error = await setupNamespace(server.connection, local, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NamespaceSetupError);
    expect((error as Error).message).toContain('Temporal namespace "lab" does not exist at 127.0.0.1:7233. Create it with:');
  });

  it('on Temporal Cloud, where adding attributes is refused, names the tcld command', async () => {
    const server = fakeServer({ namespace: true }, { addSearchAttributes: [7] });
    const error = await setupNamespace(server.connection, cloud, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NamespaceSetupError);
    expect((error as Error).message).toContain('tcld namespace search-attributes add --namespace lab --search-attribute SubjectId=Keyword');
  });

  it('gives up at the deadline when the frontend never accepts the attributes, with the last answer', async () => {
    const server = fakeServer({ namespace: true, attributes: ALL }, { countWorkflowExecutions: Array(100).fill(3) });
    await expect(setupNamespace(server.connection, local, { ...options, timeoutMs: 600 })).rejects.toThrow(/^Timed out waiting for namespace "lab" at 127\.0\.0\.1:7233 to accept the search attributes SubjectId, .*: gRPC 3$/);
  });
});
