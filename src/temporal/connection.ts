import { readFile } from 'node:fs/promises';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';
import { checkNamespace } from './namespace-check.js';

/** Where and how to reach Temporal: a local dev server, self-hosted (mTLS) or Temporal Cloud (API key). */
export type TemporalSettings = Pick<Config['temporal'], 'address' | 'namespace' | 'taskQueue' | 'apiKey' | 'tls'>;

// `false`, not undefined, when TLS is off: the SDK turns TLS on by itself whenever an API key is
// given, which would ignore TEMPORAL_TLS=false.
async function tlsOptions(s: TemporalSettings): Promise<TLSConfig | false> {
  if (!s.tls) return false;
  const { clientCertPath, clientKeyPath, serverCaCertPath, serverName } = s.tls;
  return {
    ...(clientCertPath && clientKeyPath
      ? { clientCertPair: { crt: await readFile(clientCertPath), key: await readFile(clientKeyPath) } }
      : {}),
    ...(serverCaCertPath ? { serverRootCACertificate: await readFile(serverCaCertPath) } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
}

/**
 * A client for starting and following workflows. Checks first that the namespace exists and has
 * the search attributes the workflows set (a NamespaceSetupError says what is missing and the
 * command that fixes it), instead of a bare `ServiceError: Failed to start Workflow` per start.
 */
export async function connectClient(s: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: s.address, tls: await tlsOptions(s), apiKey: s.apiKey });
  try {
    await checkNamespace(connection, s);
  } catch (e) {
    await connection.close();
    throw e;
  }
  return new Client({ connection, namespace: s.namespace });
}

export async function connectWorker(s: TemporalSettings): Promise<NativeConnection> {
  return await NativeConnection.connect({ address: s.address, tls: await tlsOptions(s), apiKey: s.apiKey });
}
