import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/schemas/errors.js';
import { parseJobFile, parseParametersFile } from '../../../src/schemas/files.js';
import { MAX_INPUT_FILE_BYTES } from '../../../src/schemas/json-text.js';

const fixtures = fileURLToPath(new URL('../../fixtures/jobs/', import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'ga-schemas-'));

async function rejection(p: Promise<unknown>): Promise<ValidationError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('parseJobFile / parseParametersFile', () => {
  it('read and validate the fixtures', async () => {
    expect((await parseJobFile(path.join(fixtures, 'job-lab-style.json'))).subjectId).toBe('774659');
    for (const name of ['single', 'distributed', 'fixed-distributed']) {
      await expect(parseParametersFile(path.join(fixtures, `analysis_parameters.${name}.json`))).resolves.toBeTypeOf('object');
    }
  });

  it('name the file in errors', async () => {
    const file = path.join(tmp, 'bad.json');
    writeFileSync(file, '{"s3_location": []}');
    const e = await rejection(parseJobFile(file));
    expect(e.file).toBe(file);
    expect(e.message).toContain(`${file}: $.s3_location:`);
  });

  it('refuse files over the size limit without reading them', async () => {
    const file = path.join(tmp, 'big.json');
    writeFileSync(file, Buffer.alloc(MAX_INPUT_FILE_BYTES + 1, 0x20));
    const e = await rejection(parseParametersFile(file));
    expect(e.code).toBe('file.too_large');
  });

  it('report missing files and folders clearly', async () => {
    expect((await rejection(parseJobFile(path.join(tmp, 'nope.json')))).code).toBe('file.not_found');
    const folder = path.join(tmp, 'folder.json');
    mkdirSync(folder);
    expect((await rejection(parseJobFile(folder))).code).toBe('file.unreadable');
  });
});
