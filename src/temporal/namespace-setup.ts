// The admin's one-time step before workers run against a Temporal server (`npm run cli --
// setup-namespace`): create the namespace and the custom search attributes the workflows set, if
// missing, through the same API as `temporal operator namespace create` and `temporal operator
// search-attribute create`. Idempotent. On a real cluster each service caches namespaces and
// refreshes them every few seconds, so the step ends only when the frontend accepts queries on every
// attribute (a bounded wait on that, not a sleep). The list of attributes is the workflows' own
// (REQUIRED_SEARCH_ATTRIBUTES); a server that refuses these calls (Temporal Cloud manages
// namespaces and search attributes with tcld) gets the message that says what to run instead.
// The SDK's own conversion to a protobuf Duration (seconds as a Long).
import { msToTs } from '@temporalio/common/lib/time.js';
import type proto from '@temporalio/proto';
import type { TemporalSettings } from './connection.js';
import { checkNamespace, indexedValueType, NamespaceSetupError, REQUIRED_SEARCH_ATTRIBUTES, searchAttributesProblem } from './namespace-check.js';

type WorkflowService = proto.temporal.api.workflowservice.v1.WorkflowService;
type OperatorService = proto.temporal.api.operatorservice.v1.OperatorService;

/** What the setup needs of a connection (a NativeConnection has both services). */
export interface AdminConnection {
  workflowService: Pick<WorkflowService, 'describeNamespace' | 'registerNamespace' | 'countWorkflowExecutions'>;
  operatorService: Pick<OperatorService, 'listSearchAttributes' | 'addSearchAttributes'>;
}

export interface NamespaceSetupOptions {
  /** Retention of closed runs' histories, for a namespace this creates (an existing one keeps its own). */
  retentionDays: number;
  /** Deadline for the whole setup: the server answering, then the changes taking effect. */
  timeoutMs: number;
}

export interface NamespaceSetup {
  namespaceCreated: boolean;
  /** Search attributes this run added (none when all were there). */
  added: string[];
  /** Time spent waiting for the frontend to accept the namespace and its attributes. */
  waitedMs: number;
}

const GRPC = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12, UNAVAILABLE: 14 } as const;
const codeOf = (e: unknown): unknown => (e as { code?: unknown }).code;
const refused = (e: unknown) => codeOf(e) === GRPC.PERMISSION_DENIED || codeOf(e) === GRPC.UNIMPLEMENTED;
// A server still starting (its services joining the ring) answers UNAVAILABLE for a while.
const starting = (e: unknown) => codeOf(e) === GRPC.UNAVAILABLE || codeOf(e) === GRPC.DEADLINE_EXCEEDED;

/** Calls `attempt` again while it throws what `notYet` accepts, until `deadline`; any other error ends it. */
async function retryUntil<T>(what: string, deadline: number, attempt: () => Promise<T>, notYet: (e: unknown) => boolean): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (!notYet(e)) throw e;
      if (Date.now() >= deadline) throw new Error(`Timed out waiting for ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// A query naming every attribute: the frontend refuses it (INVALID_ARGUMENT) until its own cache of
// the namespace has them, which is also when it accepts workflow starts that set them.
const probeQuery = REQUIRED_SEARCH_ATTRIBUTES.map((a) => `${a.name} IS NULL`).join(' AND ');

/** Creates what is missing, then waits until the frontend accepts the workflows' search attributes. */
export async function setupNamespace(connection: AdminConnection, s: TemporalSettings, o: NamespaceSetupOptions): Promise<NamespaceSetup> {
  const deadline = Date.now() + o.timeoutMs;
  const namespace = s.namespace;

  const exists = await retryUntil(
    `the Temporal server at ${s.address} to answer`,
    deadline,
    () =>
      connection.workflowService.describeNamespace({ namespace }).then(
        () => true,
        (e: unknown) => {
          if (codeOf(e) === GRPC.NOT_FOUND) return false;
          throw e;
        },
      ),
    starting,
  );
  let namespaceCreated = false;
  if (!exists) {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${o.retentionDays} days`) });
      namespaceCreated = true;
    } catch (e) {
      // ALREADY_EXISTS: another admin run created it meanwhile. Refused: say how to create it instead.
      if (refused(e)) await checkNamespace(connection, s);
      if (codeOf(e) !== GRPC.ALREADY_EXISTS) throw e;
    }
  }

  const registered = await retryUntil(
    `namespace "${namespace}" to be readable at ${s.address}`,
    deadline,
    async () => (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {},
    (e) => codeOf(e) === GRPC.NOT_FOUND || starting(e),
  );
  const wrongType = REQUIRED_SEARCH_ATTRIBUTES.filter((a) => registered[a.name] !== undefined && registered[a.name] !== indexedValueType(a.type));
  // Replacing an attribute drops its values on existing runs: an admin's decision, not ours.
  if (wrongType.length) throw new NamespaceSetupError(searchAttributesProblem(s, registered)!);
  const missing = REQUIRED_SEARCH_ATTRIBUTES.filter((a) => registered[a.name] === undefined);
  if (missing.length) {
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((a) => [a.name, indexedValueType(a.type)])) });
    } catch (e) {
      if (refused(e)) throw new NamespaceSetupError(searchAttributesProblem(s, registered)!);
      // ALREADY_EXISTS: added meanwhile by another run; the wait below checks the result either way.
      if (codeOf(e) !== GRPC.ALREADY_EXISTS) throw e;
    }
  }

  const waitStart = Date.now();
  await retryUntil(`namespace "${namespace}" at ${s.address} to accept the search attributes ${REQUIRED_SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')}`, deadline, async () => {
    await checkNamespace(connection, s);
    await connection.workflowService.countWorkflowExecutions({ namespace, query: probeQuery });
  }, (e) => e instanceof NamespaceSetupError || codeOf(e) === GRPC.INVALID_ARGUMENT || codeOf(e) === GRPC.NOT_FOUND || starting(e));
  return { namespaceCreated, added: missing.map((a) => a.name), waitedMs: Date.now() - waitStart };
}
