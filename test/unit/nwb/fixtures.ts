// Paths of the real NWB fixtures and scratch copies for tests that damage files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/real-nwb');
export const HDF5_A = path.join(FIXTURES, '697062_2023-11-14_11-12-44.nwb');
export const HDF5_B = path.join(FIXTURES, '697062_2023-11-15_10-02-05.nwb');
export const ZARR = path.join(FIXTURES, 'behavior_717531_2024-08-07_09-01-02.nwb');

/** A fresh temp folder; call the returned cleanup in afterEach/afterAll. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nwb-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Copies a fixture (file or Zarr folder) into `dir`; the fixtures themselves are never touched.
 * `photometry: false` leaves out the Zarr photometry series folders (most of the bytes) for
 * tests that never read them.
 */
export function copyFixture(fixture: string, dir: string, options: { photometry?: boolean } = {}): string {
  const target = path.join(dir, path.basename(fixture));
  // cp(1): node's cpSync takes over a second on the Zarr folder's ~700 small files.
  execFileSync('cp', ['-R', fixture, target]);
  if (options.photometry === false) {
    const acquisition = path.join(target, 'acquisition');
    for (const name of readdirSync(acquisition)) {
      if (/^(G|R|Iso)_\d/.test(name)) rmSync(path.join(acquisition, name), { recursive: true });
    }
  }
  return target;
}
