import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { analysisHelp, registerAnalysesCommand, typeText } from '../../../src/analyses/help.js';
import { ANALYSES } from '../../../src/analyses/registry.js';

describe('analysisHelp', () => {
  it('lists every parameter of one analysis with its type, default and description', () => {
    const text = analysisHelp('foraging-summary');
    expect(text).toMatch(/^foraging-summary 1\.0\.1: Foraging summary\n/);
    expect(text).toContain('    min_finished_trials: integer 0..100000  (default 50)\n        Sessions with fewer finished');
    expect(text).toContain('    analysis_tag: string  (default "default")');
    expect(text).toContain('    learning_curve_{subject}\n');
    expect(text).toContain('JSON Schema: schemas/analysis-foraging-summary.schema.json');
  });

  it('marks parameters without a default as required, and the default analysis', () => {
    const text = analysisHelp('grouped-analysis');
    expect(text).toMatch(/^grouped-analysis 1\.1\.0 \(default\): /);
    expect(text).toContain('    channels: { [name]: string }  (required)');
    expect(text).toContain('    signal_window_s: [number -60..60, number -60..60]  (default [0.33,1])');
  });

  it('without a name, describes every registered analysis', () => {
    const text = analysisHelp();
    for (const a of ANALYSES) expect(text).toContain(`\n${a.parameters.name} ${a.parameters.version}`);
  });

  it('wraps descriptions to 100 columns', () => {
    for (const line of analysisHelp().split('\n').filter((l) => l.startsWith('        '))) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('names the registered analyses for an unknown name', () => {
    expect(() => analysisHelp('nope')).toThrow(/unknown analysis "nope": registered analyses are grouped-analysis, foraging-summary/);
  });
});

describe('typeText', () => {
  it('renders unions, arrays, tuples, records and bounds', () => {
    expect(typeText({ anyOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'array', items: { type: 'string', enum: ['a', 'b'] } }] })).toBe(
      '"a" | "b" | ("a" | "b")[]',
    );
    expect(typeText({ type: 'array', items: { type: 'number' } })).toBe('number[]');
    expect(typeText({ type: 'integer', minimum: 1 })).toBe('integer 1..');
    expect(typeText({ type: 'boolean' })).toBe('boolean');
    expect(typeText({ const: 'x' })).toBe('"x"');
  });
});

describe('registerAnalysesCommand', () => {
  const program = () => {
    const p = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    p.command('dispatch').argument('<jobs...>').action(() => {});
    registerAnalysesCommand(p);
    return p;
  };

  it('prints one analysis, and exits 2 naming the registered ones for an unknown name', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program().parseAsync(['analyses', 'foraging-summary'], { from: 'user' });
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toBe(analysisHelp('foraging-summary'));
    } finally {
      out.mockRestore();
    }
    await expect(program().parseAsync(['analyses', 'nope'], { from: 'user' })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('registered analyses are grouped-analysis, foraging-summary'),
    });
  });

  it('appends every analysis to dispatch --help', () => {
    const dispatch = program().commands.find((c) => c.name() === 'dispatch')!;
    let help = '';
    dispatch.configureOutput({ writeOut: (s) => (help += s) });
    expect(() => dispatch.outputHelp()).not.toThrow();
    expect(help).toContain(analysisHelp());
  });
});
