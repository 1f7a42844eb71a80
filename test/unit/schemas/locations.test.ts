import { describe, expect, it } from 'vitest';
import { checkLocation, locationBasename, resolveLocalLocation } from '../../../src/schemas/locations.js';

describe('checkLocation', () => {
  it.each([
    ['s3://my-bucket/a/b/', 's3://my-bucket/a/b'],
    ['s3://my-bucket', 's3://my-bucket'],
    ['s3://my-bucket/', 's3://my-bucket'],
    ['/data/sessions/697062/', '/data/sessions/697062'],
    ['data//sessions/./697062', 'data/sessions/697062'],
    ['file:///data/a%20b', '/data/a b'],
    ['/', '/'],
  ])('accepts %s as %s', (raw, normalized) => {
    const r = checkLocation(raw);
    expect(r.ok && r.normalized).toBe(normalized);
  });

  it.each([
    ['', /empty/],
    [' s3://b/x', /spaces/],
    ['s3://Bad_Bucket/x', /not a valid s3/],
    ['s3://ab/x', /not a valid s3/],
    ['https://example.org/x', /"https:\/\/" locations are not supported/],
    ['gs://bucket/x', /not supported/],
    ['../outside', /".." path segment/],
    ['/data/../etc/passwd', /".." path segment/],
    ['data\\..\\etc', /".." path segment/],
    ['file:///data/%2e%2e/etc', /".." path segment/],
    ['file://remote-host/data', /not a valid file:\/\/ URI/],
    ['a\0b', /NUL/],
  ])('refuses %j', (raw, message) => {
    const r = checkLocation(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.fix.length).toBeGreaterThan(0);
    }
  });

  it('takes the asset name from the last segment', () => {
    expect(locationBasename('s3://b/x/behavior_1_2024-01-01_01-02-03')).toBe('behavior_1_2024-01-01_01-02-03');
    expect(locationBasename('s3://b')).toBe('');
    expect(locationBasename('/data/697062')).toBe('697062');
  });
});

describe('resolveLocalLocation', () => {
  it('resolves relative paths inside the data root', () => {
    expect(resolveLocalLocation('sessions/a.nwb', '/data')).toEqual({ ok: true, path: '/data/sessions/a.nwb' });
    expect(resolveLocalLocation('/data/sessions', '/data/')).toEqual({ ok: true, path: '/data/sessions' });
    expect(resolveLocalLocation('file:///data', '/data')).toEqual({ ok: true, path: '/data' });
  });

  it('refuses locations outside the data root, including look-alike prefixes', () => {
    for (const loc of ['/etc/passwd', '/data-other/x', '../x', 's3://bucket/x']) {
      const r = resolveLocalLocation(loc, '/data');
      expect(r.ok, loc).toBe(false);
    }
    const r = resolveLocalLocation('/etc/passwd', '/data');
    expect(!r.ok && r.message).toMatch(/outside the data root \/data/);
    expect(!r.ok && r.fix).toMatch(/GA_DATA_ROOT/);
  });
});
