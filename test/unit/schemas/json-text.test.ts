import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/schemas/errors.js';
import {
  lineColumn,
  locateJsonSyntaxError,
  MAX_INPUT_FILE_BYTES,
  parseJsonText,
} from '../../../src/schemas/json-text.js';

function syntaxError(text: string): ValidationError {
  try {
    parseJsonText(text, 'jobs/a.json');
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('parseJsonText', () => {
  it('parses valid JSON, with or without a BOM', () => {
    expect(parseJsonText('{"a": [1, 2.5]}', 'f.json')).toEqual({ a: [1, 2.5] });
    expect(parseJsonText('\ufeff{"a": 1}', 'f.json')).toEqual({ a: 1 });
  });

  it.each([
    ['{\n  "a": 1,\n}', 3, 1, /trailing comma/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected "," or "}"/],
    ["{'a': 1}", 1, 2, /double quotes/],
    ['{"a": [1, 2,]}', 1, 13, /trailing comma before "]"/],
    ['{"a": tru}', 1, 7, /unexpected character "t"/],
    ['{"a": "x\ny"}', 1, 9, /control character/],
    ['{"a": 01}', 1, 8, /expected "," or "}"/],
    ['{"a": 1} x', 1, 10, /after the JSON value/],
    ['', 1, 1, /end of file/],
    ['{"a": "\\q"}', 1, 9, /bad escape/],
    ['{"a": -}', 1, 8, /in a number/],
    ['{"a": 1', 1, 8, /end of file/],
  ])('reports %j at line %i column %i', (text, line, column, problem) => {
    const e = syntaxError(text);
    expect(e.file).toBe('jobs/a.json');
    expect(e.jsonPath).toBe('$');
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    expect(e.code).toBe('file.json_syntax');
    // What the locator found there (JSON.parse's own messages often name neither place nor cause).
    expect(e.problem).toMatch(problem);
    expect(e.message).toContain(`jobs/a.json:${line}:${column}`);
  });

  it('refuses text over the size limit before parsing it', () => {
    const big = `{"a": "${'x'.repeat(MAX_INPUT_FILE_BYTES)}"}`;
    const e = (() => {
      try {
        parseJsonText(big, 'big.json');
      } catch (err) {
        return err as ValidationError;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.code, e.file]).toEqual(['file.too_large', 'big.json']);
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    const text = `"${'é'.repeat(600_000)}"`; // 1.2 MB in UTF-8, 0.6 M characters
    expect(() => parseJsonText(text, 'f.json')).toThrow(expect.objectContaining({ code: 'file.too_large' }));
  });
});

describe('locateJsonSyntaxError', () => {
  it('finds nothing wrong in valid JSON', () => {
    for (const text of ['{}', '[]', ' 1 ', '"\\u00e9"', '{"a":[true,false,null,-0.5e+3,{"b":"c"}]}']) {
      expect(locateJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it('converts offsets to 1-based line and column', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
