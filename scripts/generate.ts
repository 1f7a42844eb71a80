// Synthetic mice for tests, demos and benchmarks:
//   npx tsx scripts/generate.ts --mice 3 --sessions 20 --out DIR --seed 7 [--trials 400]
//       [--format hdf5|zarr|mixed] [--channels G_1,G_2] [--skip-weekends]
// Writes DIR/dataset.json and, per mouse, DIR/<subject_id>/{behavior_*.nwb, truth.json}.
// The output is byte-identical for the same options.

import { Command, InvalidArgumentError } from 'commander';

import { generateDataset } from '../src/generator/generate.js';
import { DEFAULT_OPTIONS, type FormatChoice } from '../src/generator/plan.js';

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('not an integer');
  return Number(value);
}

function format(value: string): FormatChoice {
  if (value !== 'hdf5' && value !== 'zarr' && value !== 'mixed') throw new InvalidArgumentError('expected hdf5, zarr or mixed');
  return value;
}

const program = new Command()
  .name('generate')
  .description('Write seeded synthetic dynamic-foraging mice (NWB on HDF5 and/or Zarr) with their ground truth.')
  .requiredOption('--out <dir>', 'output folder')
  .requiredOption('--seed <n>', 'root seed', integer)
  .option('--mice <n>', 'number of mice', integer, DEFAULT_OPTIONS.mice)
  .option('--sessions <n>', 'sessions per mouse (one per day)', integer, DEFAULT_OPTIONS.sessions)
  .option('--trials <n>', 'trials per session', integer, DEFAULT_OPTIONS.trials)
  .option('--format <f>', 'hdf5, zarr, or mixed (older half HDF5, newer half Zarr)', format, DEFAULT_OPTIONS.format)
  .option('--channels <list>', 'photometry signal channels; Iso_k added per fibre', DEFAULT_OPTIONS.channels.join(','))
  .option('--skip-weekends', 'no sessions on Saturdays and Sundays', DEFAULT_OPTIONS.skipWeekends)
  .parse();

const o = program.opts<{
  out: string;
  seed: number;
  mice: number;
  sessions: number;
  trials: number;
  format: FormatChoice;
  channels: string;
  skipWeekends: boolean;
}>();

const started = performance.now();
const summary = await generateDataset(
  {
    seed: o.seed,
    mice: o.mice,
    sessions: o.sessions,
    trials: o.trials,
    format: o.format,
    channels: o.channels.split(',').map((c) => c.trim()).filter((c) => c !== ''),
    skipWeekends: o.skipWeekends,
  },
  o.out,
);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
for (const m of summary.mice) console.log(`${m.subject_id}: ${m.sessions} sessions in ${o.out}/${m.folder}`);
console.log(`generated ${summary.mice.length} mice in ${seconds} s`);
