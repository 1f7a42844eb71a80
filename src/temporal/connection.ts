import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/** Where and how to reach Temporal: a local dev server, self-hosted (mTLS) or Temporal Cloud (API key). */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  apiKey?: string;
}

async function tlsOptions(s: TemporalSettings) {
  if (s.tlsCertPath && s.tlsKeyPath) {
    return { clientCertPair: { crt: await readFile(s.tlsCertPath), key: await readFile(s.tlsKeyPath) } };
  }
  // Temporal Cloud API keys require TLS; a local dev server has none.
  return s.apiKey ? true : undefined;
}

export async function connectClient(s: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: s.address, tls: await tlsOptions(s), apiKey: s.apiKey });
  return new Client({ connection, namespace: s.namespace });
}

export async function connectWorker(s: TemporalSettings): Promise<NativeConnection> {
  return await NativeConnection.connect({ address: s.address, tls: await tlsOptions(s), apiKey: s.apiKey });
}
