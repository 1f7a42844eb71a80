// npm run bench:io [-- --sessions N --trials N --repeat N]
// Time to load one photometry channel + the trials table: ours (src/nwb, in a plain-node child)
// vs the lab's data-utils (create_df_trials + create_df_fip, scripts/reference/bench_io.py) on
// the same files in the same run, one session at a time: the real Zarr session (218,054
// samples per channel, loaded --repeat times) and a generated mouse (--sessions sessions).
// Prints times, ratios and each process's peak RSS. Not a test: numbers vary with the machine.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { IoArgs, IoReport } from './ours/io.js';
import { bundleChild, runChild } from './lib/child.js';
import { generatedMouse } from './lib/data.js';
import { REPO_ROOT } from './lib/paths.js';
import { runReference } from './lib/python.js';
import { integerAtLeast, mb, median, ratio, seconds, table, verdict } from './lib/report.js';
import { warmPageCache } from './lib/warm.js';

const o = new Command()
  .option('--sessions <n>', 'sessions of the generated mouse (the goal is stated for 100)', integerAtLeast(1), 100)
  .option('--trials <n>', 'trials per generated session', integerAtLeast(1), 400)
  .option('--repeat <n>', 'loads of the real Zarr session per side', integerAtLeast(1), 3)
  .parse()
  .opts<{ sessions: number; trials: number; repeat: number }>();

const REAL_ZARR = join(REPO_ROOT, 'test/fixtures/real-nwb/behavior_717531_2024-08-07_09-01-02.nwb');
const mouse = await generatedMouse({ seed: 101, sessions: o.sessions, trials: o.trials, channels: ['G_1', 'G_2'], format: 'mixed' });
const cases: { name: string; files: IoArgs['files'] }[] = [
  { name: `real Zarr 717531 ×${o.repeat}`, files: Array.from({ length: o.repeat }, () => ({ path: REAL_ZARR, channel: 'G_1_preprocessed' })) },
  {
    name: `generated mouse, ${o.sessions} sessions`,
    files: mouse.files.map((path) => ({ path, channel: 'G_1_dff-bright_mc-iso-IRLS' })),
  },
];
await warmPageCache([REAL_ZARR, ...mouse.files]);

const child = await bundleChild('bench/ours/io.ts');
const dir = await mkdtemp(join(tmpdir(), 'ga-bench-io-'));
const rows: string[][] = [];
const goals: string[] = [];
try {
  for (const c of cases) {
    const ours = await runChild<IoReport>(child, { files: c.files } satisfies IoArgs);
    const list = join(dir, 'files.json');
    await writeFile(list, JSON.stringify(c.files));
    const ref = await runReference<IoReport & { importMs: number }>('bench_io.py', ['--files', list]);
    // Same tables on both sides: equal row counts per file.
    ours.report.files.forEach((f, i) => {
      const r = ref.report.files[i];
      if (f.trials !== r.trials || f.fipRows !== r.fipRows) {
        throw new Error(`${c.files[i].path}: ours ${f.trials} trials / ${f.fipRows} FIP rows, reference ${r.trials} / ${r.fipRows}`);
      }
    });
    const total = (r: IoReport) => r.files.reduce((a, f) => a + f.ms, 0);
    const per = (r: IoReport) => median(r.files.map((f) => f.ms));
    const [ot, rt] = [total(ours.report), total(ref.report)];
    rows.push(
      [c.name, 'total in process', seconds(ot), seconds(rt), ratio(rt, ot)],
      ['', 'first session (cold: modules, WASM)', seconds(ours.report.files[0].ms), seconds(ref.report.files[0].ms), ratio(ref.report.files[0].ms, ours.report.files[0].ms)],
      ['', 'median per session', seconds(per(ours.report)), seconds(per(ref.report)), ratio(per(ref.report), per(ours.report))],
      ['', 'process wall (start-up incl.)', seconds(ours.wallMs), seconds(ref.wallMs), ratio(ref.wallMs, ours.wallMs)],
      ['', 'peak RSS', mb(ours.report.peakRssMb), mb(ref.report.peakRssMb), ''],
      ['', 'rows per session (trials / FIP)', `${ours.report.files[0].trials} / ${ours.report.files[0].fipRows}`, 'equal', ''],
    );
    goals.push(`${c.name}: ${verdict('≥ 3× faster', rt / ot >= 3)} (${ratio(rt, ot)}); ${verdict('peak RSS < 300 MB', ours.report.peakRssMb < 300)} (${mb(ours.report.peakRssMb)})`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(`\nbench:io — one channel + trials per session, sessions one at a time (reference import time not included in "in process")\n`);
table(['case', 'measure', 'ours', 'reference', 'ratio'], rows);
console.log(`\n${goals.join('\n')}`);
