import { toJsonPath, ValidationError, type PathSegment } from './errors.js';

/** Job and parameter files are small; anything larger is a mistake (or an attack), not a job. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

/**
 * Parses JSON text from a named file. Size is checked first; syntax errors name the line and
 * column, because `JSON.parse`'s own messages often carry neither.
 */
export function parseJsonText(
  text: string,
  file: string,
  maxBytes: number = MAX_INPUT_FILE_BYTES,
): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw fileTooLarge(file, bytes, maxBytes);
  // Editors on Windows write a BOM; it is not JSON but it is not the user's mistake either.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    const found = locateJsonSyntaxError(body);
    const offset = found?.offset ?? 0;
    const { line, column } = lineColumn(body, offset);
    throw new ValidationError([
      {
        code: 'file.json_syntax',
        file,
        jsonPath: '$',
        message: `malformed JSON at line ${line}, column ${column}: ${
          found?.problem ?? (e as Error).message
        }`,
        fix: 'correct the JSON syntax there (quotes around keys and strings, no trailing commas, no comments)',
        line,
        column,
      },
    ]);
  }
  const deep = tooDeep(value);
  if (deep) {
    throw new ValidationError([
      {
        code: 'file.too_deep',
        file,
        jsonPath: toJsonPath(deep),
        message: `nested more than ${MAX_JSON_DEPTH} levels deep`,
        fix: 'flatten the structure: job and parameter files need only a few levels',
      },
    ]);
  }
  return value;
}

/** Deeper documents are refused: the validators and the dedup key walk values recursively. */
export const MAX_JSON_DEPTH = 64;

// The path to the first value nested deeper than the limit, found without recursion.
function tooDeep(root: unknown): PathSegment[] | undefined {
  const stack: { value: unknown; path: PathSegment[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) return path;
    const entries: [PathSegment, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [k, v] of entries) stack.push({ value: v, path: [...path, k] });
  }
  return undefined;
}

export function fileTooLarge(file: string, bytes: number, maxBytes: number): ValidationError {
  return new ValidationError([
    {
      code: 'file.too_large',
      file,
      jsonPath: '$',
      message: `file is ${bytes} bytes, larger than the ${maxBytes}-byte limit for job and parameter files`,
      fix: 'split it into several files, or check that this is the file you meant',
    },
  ]);
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Finds the first JSON syntax error (RFC 8259 grammar). Returns undefined for valid JSON.
 * Only called after `JSON.parse` has failed, to say where and why.
 */
export function locateJsonSyntaxError(
  text: string,
): { offset: number; problem: string } | undefined {
  let i = 0;
  const fail = (problem: string): never => {
    throw new SyntaxAt(i, problem);
  };
  const describe = (): string =>
    i >= text.length ? 'unexpected end of file' : `unexpected character ${JSON.stringify(text[i])}`;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(describe());
  };
  const digits = (): void => {
    if (!(text[i] >= '0' && text[i] <= '9')) fail(`${describe()} in a number`);
    while (text[i] >= '0' && text[i] <= '9') i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character (e.g. a raw line break) inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i++;
            fail('bad \\u escape in a string');
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail('bad escape in a string');
        }
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') object();
    else if (c === '[') array();
    else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else fail(c === "'" ? 'strings and keys need double quotes' : describe());
  };
  const object = (): void => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') {
        fail(
          text[i] === '}'
            ? 'trailing comma before "}"'
            : text[i] === "'"
              ? 'strings and keys need double quotes'
              : `expected a quoted property name, ${describe()}`,
        );
      }
      string();
      ws();
      if (text[i] !== ':') fail(`expected ":" after the property name, ${describe()}`);
      i++;
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`expected "," or "}", ${describe()}`);
    }
  };
  const array = (): void => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === ']') fail('trailing comma before "]"');
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`expected "," or "]", ${describe()}`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected content after the JSON value: ${JSON.stringify(text[i])}`);
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxAt) return { offset: e.offset, problem: e.problem };
    throw e;
  }
}

class SyntaxAt {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}
