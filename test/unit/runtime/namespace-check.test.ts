// A Temporal namespace without the custom search attributes (issue 25 item 6): the message names
// what is missing and the exact `temporal operator search-attribute create` command, derived from
// the workflows' definitions (src/workflows/search-attributes.ts). Against the real server:
// test/integration/temporal.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUIRED_SEARCH_ATTRIBUTES, searchAttributesProblem, searchAttributeTypeName } from '../../../src/temporal/namespace-check.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const local = { address: '127.0.0.1:7233', namespace: 'lab', taskQueue: 'q' };
// IndexedValueType numbers as the server reports them (KEYWORD = 2, INT = 3, TEXT = 1).
const all = { SubjectId: 2, AnalysisName: 2, AnalysisTag: 2, DedupKey: 2, CodeVersion: 2, SessionCount: 3, BatchTag: 2 };

describe('search attribute check', () => {
  it('requires what the workflows set, and scripts/services.sh registers exactly those', () => {
    const listed = REQUIRED_SEARCH_ATTRIBUTES.map((a) => `${a.name}=${searchAttributeTypeName(a.type)}`);
    expect(listed).toEqual(['SubjectId=Keyword', 'AnalysisName=Keyword', 'AnalysisTag=Keyword', 'DedupKey=Keyword', 'CodeVersion=Keyword', 'SessionCount=Int', 'BatchTag=Keyword']);
    const script = readFileSync(join(ROOT, 'scripts', 'services.sh'), 'utf8');
    const inScript = /^SEARCH_ATTRIBUTES=\(([^)]*)\)/m.exec(script)?.[1].split(/\s+/).filter(Boolean);
    expect(inScript?.sort()).toEqual([...listed].sort());
  });

  it('says nothing when every attribute is there (other attributes are fine)', () => {
    expect(searchAttributesProblem(local, { ...all, Extra: 2 })).toBeUndefined();
  });

  it('names the missing attributes and the exact command that creates them', () => {
    const { SessionCount: _s, BatchTag: _b, ...some } = all;
    const m = searchAttributesProblem(local, some)!;
    expect(m).toContain('Temporal namespace "lab" at 127.0.0.1:7233 lacks the custom search attributes SessionCount (Int), BatchTag (Keyword)');
    expect(m).toContain('  temporal operator search-attribute create --namespace lab --name SessionCount --type Int --name BatchTag --type Keyword --address 127.0.0.1:7233');
    expect(m).not.toContain('SubjectId');
    const none = searchAttributesProblem(local, {})!;
    expect(none).toContain(
      'temporal operator search-attribute create --namespace lab --name SubjectId --type Keyword --name AnalysisName --type Keyword --name AnalysisTag --type Keyword --name DedupKey --type Keyword --name CodeVersion --type Keyword --name SessionCount --type Int --name BatchTag --type Keyword --address 127.0.0.1:7233',
    );
  });

  it('names an attribute of the wrong type and how to replace it', () => {
    const m = searchAttributesProblem(local, { ...all, SessionCount: 1 })!;
    expect(m).toContain('SessionCount is Text, the workflows set Int');
    expect(m).toContain('temporal operator search-attribute remove --namespace lab --name SessionCount --address 127.0.0.1:7233 --yes');
    expect(m).toContain('temporal operator search-attribute create --namespace lab --name SessionCount --type Int --address 127.0.0.1:7233');
  });

  it('gives the connection flags of a TLS / API-key server without printing the key, and tcld for Temporal Cloud', () => {
    const selfHosted = { address: 'temporal.lab:7233', namespace: 'lab', taskQueue: 'q', apiKey: 'secret-key-value', tls: {} };
    const m = searchAttributesProblem(selfHosted, {})!;
    expect(m).toContain('--address temporal.lab:7233 --tls --api-key "$TEMPORAL_API_KEY"');
    expect(m).not.toContain('secret-key-value');
    const cloud = { address: 'lab.a1b2c.tmprl.cloud:7233', namespace: 'lab.a1b2c', taskQueue: 'q', apiKey: 'secret-key-value', tls: {} };
    const { BatchTag: _b, ...some } = all;
    expect(searchAttributesProblem(cloud, some)).toContain('  tcld namespace search-attributes add --namespace lab.a1b2c --search-attribute BatchTag=Keyword');
    expect(searchAttributesProblem(cloud, { ...all, SessionCount: 2 })).toContain('SessionCount is Keyword, the workflows set Int: rename it (tcld namespace search-attributes rename)');
    const mtls = { ...local, tls: { clientCertPath: '/c.pem', clientKeyPath: '/c.key', serverCaCertPath: '/ca.pem', serverName: 'temporal.lab' } };
    expect(searchAttributesProblem(mtls, {})).toContain('--tls --tls-cert-path /c.pem --tls-key-path /c.key --tls-ca-path /ca.pem --tls-server-name temporal.lab');
  });
});
