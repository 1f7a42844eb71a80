// Is the Temporal namespace set up for the workflows? They set custom search attributes
// (src/workflows/search-attributes.ts); a namespace without them refuses every start with a bare
// `ServiceError: Failed to start Workflow`. Checked when a client connects (dispatch, npm start) and
// when a worker starts, with a message that names what is missing and the command that fixes it.
import { SearchAttributeType } from '@temporalio/common';
// A CommonJS module whose names Node's ESM loader cannot list: its default export is module.exports.
import proto from '@temporalio/proto';
import { ConfigError, configIssue } from '../schemas/errors.js';
import { SA } from '../workflows/search-attributes.js';
import type { TemporalSettings } from './connection.js';

type Type = (typeof SearchAttributeType)[keyof typeof SearchAttributeType];

/** The custom search attributes the workflows set, with their types: the workflows' own definitions. */
export const REQUIRED_SEARCH_ATTRIBUTES: readonly { name: string; type: Type }[] = Object.values(SA).map((k) => ({ name: k.name, type: k.type }));

/** The type as the temporal CLI spells it: KEYWORD -> Keyword, KEYWORD_LIST -> KeywordList. */
export function searchAttributeTypeName(type: Type): string {
  return type.toLowerCase().replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase());
}

// The server reports (and takes) types as IndexedValueType numbers (INDEXED_VALUE_TYPE_KEYWORD = 2, ...).
export const indexedValueType = (type: Type): number => proto.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
const typeOf = (n: number): Type | undefined => Object.values(SearchAttributeType).find((t) => indexedValueType(t) === n);

// How the temporal CLI reaches this server: never the API key itself.
function cliConnection(s: TemporalSettings): string {
  const flags = [`--address ${s.address}`];
  if (s.tls) {
    flags.push('--tls');
    if (s.tls.clientCertPath) flags.push(`--tls-cert-path ${s.tls.clientCertPath}`);
    if (s.tls.clientKeyPath) flags.push(`--tls-key-path ${s.tls.clientKeyPath}`);
    if (s.tls.serverCaCertPath) flags.push(`--tls-ca-path ${s.tls.serverCaCertPath}`);
    if (s.tls.serverName) flags.push(`--tls-server-name ${s.tls.serverName}`);
  }
  if (s.apiKey) flags.push('--api-key "$TEMPORAL_API_KEY"');
  return flags.join(' ');
}

/**
 * What is wrong with the namespace's custom search attributes (`registered`: name -> the server's
 * IndexedValueType), with the commands that fix it; undefined when nothing is.
 */
export function searchAttributesProblem(s: TemporalSettings, registered: Record<string, number>): string | undefined {
  const missing = REQUIRED_SEARCH_ATTRIBUTES.filter((a) => registered[a.name] === undefined);
  const wrong = REQUIRED_SEARCH_ATTRIBUTES.filter((a) => registered[a.name] !== undefined && registered[a.name] !== indexedValueType(a.type));
  if (missing.length === 0 && wrong.length === 0) return undefined;
  const ns = `--namespace ${s.namespace}`;
  const connection = cliConnection(s);
  const create = (list: typeof missing) =>
    `  temporal operator search-attribute create ${ns} ${list.map((a) => `--name ${a.name} --type ${searchAttributeTypeName(a.type)}`).join(' ')} ${connection}`;
  // Temporal Cloud manages search attributes with tcld (and cannot remove one), not the operator API.
  const cloud = /\.tmprl\.cloud:\d+$/.test(s.address);
  const where = `Temporal namespace "${s.namespace}" at ${s.address}`;
  const lines =
    missing.length > 0
      ? [
          `${where} lacks the custom search attributes ${missing.map((a) => `${a.name} (${searchAttributeTypeName(a.type)})`).join(', ')} that the analysis workflows set. Create them (once per namespace) with:`,
          cloud
            ? `  tcld namespace search-attributes add ${ns} ${missing.map((a) => `--search-attribute ${a.name}=${searchAttributeTypeName(a.type)}`).join(' ')}`
            : create(missing),
        ]
      : [`${where} has search attributes of the wrong type for the analysis workflows.`];
  for (const a of wrong) {
    const found = typeOf(registered[a.name]);
    const is = `${a.name} is ${found ? searchAttributeTypeName(found) : `of type ${registered[a.name]}`}, the workflows set ${searchAttributeTypeName(a.type)}`;
    if (cloud) lines.push(`${is}: rename it (tcld namespace search-attributes rename), then add ${a.name} as ${searchAttributeTypeName(a.type)}.`);
    else {
      lines.push(
        `${is}: replace it (its values on existing runs are dropped) with:`,
        `  temporal operator search-attribute remove ${ns} --name ${a.name} ${connection} --yes`,
        create([a]),
      );
    }
  }
  return lines.join('\n');
}

/** The namespace cannot run the workflows as it is: a configuration problem (exit code 2). */
export class NamespaceSetupError extends ConfigError {
  constructor(message: string) {
    super([configIssue('TEMPORAL_NAMESPACE', 'config.namespace_setup', message, 'create what is missing with the commands in the message')]);
    this.message = message;
  }
}

interface OperatorConnection {
  operatorService: Pick<proto.temporal.api.operatorservice.v1.OperatorService, 'listSearchAttributes'>;
}

/**
 * Throws a NamespaceSetupError when the namespace does not exist or lacks (or mistypes) a search
 * attribute the workflows set. A server that does not let us look (no permission, not
 * implemented) is not checked: its starts will say what is wrong.
 */
export async function checkNamespace(connection: OperatorConnection, s: TemporalSettings): Promise<void> {
  let registered: Record<string, number>;
  try {
    registered = (await connection.operatorService.listSearchAttributes({ namespace: s.namespace })).customAttributes ?? {};
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === GRPC_NOT_FOUND) {
      throw new NamespaceSetupError(
        `Temporal namespace "${s.namespace}" does not exist at ${s.address}. Create it with:\n` +
          `  temporal operator namespace create --namespace ${s.namespace} ${cliConnection(s)}\n` +
          'or set TEMPORAL_NAMESPACE to an existing namespace.',
      );
    }
    if (code === GRPC_PERMISSION_DENIED || code === GRPC_UNIMPLEMENTED) return;
    throw e;
  }
  const problem = searchAttributesProblem(s, registered);
  if (problem) throw new NamespaceSetupError(problem);
}

const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;
