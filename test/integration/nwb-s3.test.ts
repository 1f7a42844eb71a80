// The NWB reader on the real S3 server: a Zarr session read chunk by chunk from SeaweedFS and an
// HDF5 session through the download cache must equal the same sessions read from disk.
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { NwbError } from '../../src/nwb/errors.js';
import { openNwb } from '../../src/nwb/open.js';
import { createS3Resolver } from '../../src/nwb/s3.js';
import { readSession, type SessionReadRequest } from '../../src/nwb/session.js';
import { s3ClientFor } from '../../src/stores/from-config.js';
import { resolveSessionFiles } from '../../src/stores/inputs.js';
import { uploadToS3 } from '../support/e2e.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-nwb');
const ZARR = 'behavior_717531_2024-08-07_09-01-02.nwb';
const HDF5 = '697062_2023-11-14_11-12-44.nwb';

async function read(uri: string, request: SessionReadRequest, remote?: ReturnType<typeof createS3Resolver>) {
  const source = await openNwb(uri, { remote });
  try {
    return await readSession(source, request);
  } finally {
    await source.close();
  }
}

describe('NWB sessions on the real S3 server', () => {
  let config: Config;
  let remote: ReturnType<typeof createS3Resolver>;
  const prefix = `nwb-it-${randomUUID()}`;
  const uris: Record<string, string> = {};

  beforeAll(async () => {
    config = loadConfig();
    remote = createS3Resolver({ client: (await s3ClientFor(config))!, cacheDir: await mkdtemp(join(tmpdir(), 'ga-nwb-cache-')) });
    uris.zarr = await uploadToS3(config, join(FIXTURES, ZARR), `${prefix}/asset-zarr`, ZARR);
    uris.hdf5 = await uploadToS3(config, join(FIXTURES, HDF5), `${prefix}/asset-hdf5`, HDF5);
  });

  it('reads a Zarr session chunk by chunk, equal to the local read', async () => {
    const request = { channels: ['G_1_preprocessed'] };
    const [s3, local] = await Promise.all([read(uris.zarr, request, remote), read(join(FIXTURES, ZARR), request)]);
    expect(s3.format).toBe('zarr');
    expect(s3.trials.rowCount).toBe(local.trials.rowCount);
    expect(s3.trials.columns).toEqual(local.trials.columns);
    expect(s3.photometry.G_1_preprocessed.timestamps).toEqual(local.photometry.G_1_preprocessed.timestamps);
    expect(s3.photometry.G_1_preprocessed.data).toEqual(local.photometry.G_1_preprocessed.data);
    expect(Object.keys(s3.photometry)).toEqual(['G_1_preprocessed']);
  });

  it('reads an HDF5 session through the download cache, equal to the local read', async () => {
    const [s3, local] = await Promise.all([read(uris.hdf5, {}, remote), read(join(FIXTURES, HDF5), {})]);
    expect(s3.format).toBe('hdf5');
    expect(s3.metadata).toEqual(local.metadata);
    expect(s3.trials.data.animal_response).toEqual(local.trials.data.animal_response);
  });

  it('finds both sessions under the asset prefix with S3 fingerprints', async () => {
    const refs = await resolveSessionFiles(`s3://${(config.objectStore as { bucket: string }).bucket}/${prefix}`, { s3: await s3ClientFor(config) });
    expect(refs.map((r) => r.uri)).toEqual([uris.hdf5, uris.zarr]);
    expect(refs.every((r) => r.etag && r.size > 0)).toBe(true);
  });

  it('names the URI of a missing S3 object', async () => {
    const missing = `s3://${(config.objectStore as { bucket: string }).bucket}/${prefix}/nope.nwb`;
    const err = await read(missing, {}, remote).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NwbError);
    expect((err as NwbError).message).toContain(missing);
  });
});
