import { Client, Connection } from '@temporalio/client';
import { toClientOptions } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';
import { checkNamespace } from './namespace-check.js';

/** Where and how to reach Temporal: a local dev server, self-hosted (mTLS) or Temporal Cloud (API key). */
export type TemporalSettings = Pick<Config['temporal'], 'address' | 'namespace' | 'taskQueue' | 'apiKey' | 'tls' | 'grpcMeta'>;

/**
 * The connection options, as Temporal's environment configuration makes them from a profile
 * (certificates read from their files, TLS on with an API key).
 */
export function connectionOptions(s: TemporalSettings) {
  const t = s.tls;
  const source = (path?: string, data?: string) => (path !== undefined ? { path } : data !== undefined ? { data } : undefined);
  return toClientOptions({
    address: s.address,
    apiKey: s.apiKey,
    grpcMeta: s.grpcMeta,
    // Without TLS settings `disabled`, not undefined: the SDK would turn TLS on by itself for an
    // API key, ignoring TEMPORAL_TLS=false.
    tls: t
      ? { serverName: t.serverName, clientCert: source(t.clientCertPath, t.clientCertData), clientKey: source(t.clientKeyPath, t.clientKeyData), serverCACert: source(t.serverCaCertPath, t.serverCaCertData) }
      : { disabled: true },
  }).connectionOptions;
}

/**
 * A client for starting and following workflows. Checks first that the namespace exists and has
 * the search attributes the workflows set (a NamespaceSetupError says what is missing and the
 * command that fixes it), instead of a bare `ServiceError: Failed to start Workflow` per start.
 */
export async function connectClient(s: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(s));
  try {
    await checkNamespace(connection, s);
  } catch (e) {
    await connection.close();
    throw e;
  }
  return new Client({ connection, namespace: s.namespace });
}

export async function connectWorker(s: TemporalSettings): Promise<NativeConnection> {
  return await NativeConnection.connect(connectionOptions(s));
}
