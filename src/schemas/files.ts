import { readFile, stat } from 'node:fs/promises';
import { ValidationError } from './errors.js';
import { parseJob, type JobParseOptions, type ParsedJob } from './job.js';
import { fileTooLarge, lineColumn, MAX_INPUT_FILE_BYTES } from './json-text.js';
import { parseParameters, type AnalysisParametersFile } from './parameters.js';

// The only file reading in the schema layer: everything else here is pure.

async function readSmallTextFile(path: string): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new ValidationError([
        { code: 'file.unreadable', file: path, jsonPath: '$', message: 'is not a regular file', fix: 'give the path of a JSON file' },
      ]);
    }
    size = info.size;
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ValidationError([
      {
        code: code === 'ENOENT' ? 'file.not_found' : 'file.unreadable',
        file: path,
        jsonPath: '$',
        message: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? (e as Error).message})`,
        fix: code === 'ENOENT' ? 'check the path' : 'check the path and its permissions',
      },
    ]);
  }
  // Refuse before reading, so a huge file cannot exhaust memory.
  if (size > MAX_INPUT_FILE_BYTES) throw fileTooLarge(path, size, MAX_INPUT_FILE_BYTES);
  const bytes = await readFile(path);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // A lenient decode would turn bad bytes into U+FFFD inside locations and parameters.
    const lossy = bytes.toString('utf8');
    const { line, column } = lineColumn(lossy, lossy.indexOf('\uFFFD'));
    throw new ValidationError([
      { code: 'file.not_utf8', file: path, jsonPath: '$', message: 'is not UTF-8 text (invalid bytes here)', fix: 'save the file as UTF-8', line, column },
    ]);
  }
}

/** Reads and validates one job file (the lab's `AnalysisDispatchModel` JSON). */
export async function parseJobFile(path: string, options: JobParseOptions = {}): Promise<ParsedJob> {
  return parseJob(await readSmallTextFile(path), path, options);
}

/** Reads and validates an `analysis_parameters.json`. */
export async function parseParametersFile(path: string): Promise<AnalysisParametersFile> {
  return parseParameters(await readSmallTextFile(path), path);
}
