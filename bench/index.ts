import { cpus, loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { idleCpuBench } from './idle-cpu.js';
import { latencyBench } from './latency.js';
import { CLI, type BenchContext } from './lib.js';
import { memoryBench } from './memory.js';
import { profileBacklog } from './profile-backlog.js';
import { rssBench } from './rss-20k.js';
import { scaleBench } from './scale.js';
import { shrinkBench } from './shrink.js';
import { startupBench } from './startup.js';
import { throughputBench } from './throughput.js';

/**
 * `npm run bench` (docs/architecture.md#performance-targets): each figure as a ratio against a baseline or
 * target measured in the same run, one per line. Not a test: nothing fails,
 * it reports. `--quick` runs smaller sizes for a fast look; `--only NAME[,NAME]`
 * runs some lines; `--profile` profiles the throughput backlog instead.
 */

const benches: Record<string, (ctx: BenchContext) => Promise<void>> = {
  latency: latencyBench,
  throughput: throughputBench,
  scale: scaleBench,
  memory: memoryBench,
  idle: idleCpuBench,
  startup: startupBench,
  rss: rssBench,
  shrink: shrinkBench,
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.findIndex((a) => a === '--only' || a.startsWith('--only='));
const only = onlyAt < 0 ? null : (args[onlyAt].split('=')[1] ?? args[onlyAt + 1] ?? '').split(',');
if (only?.some((name) => !(name in benches))) {
  console.error(`--only takes names from: ${Object.keys(benches).join(', ')} (got "${only}").`);
  process.exit(2);
}
if (!existsSync(CLI)) {
  console.error(`The built CLI is missing (${CLI}): run "npm run build" first.`);
  process.exit(2);
}

const ctx: BenchContext = { quick, report: (line) => console.log(line) };
const chosen: [string, (ctx: BenchContext) => Promise<void>][] = args.includes('--profile')
  ? [['profile', profileBacklog]]
  : Object.entries(benches).filter(([name]) => !only || only.includes(name));

// The load average says how far other work on the machine may have moved the figures.
console.log(
  `concur-drop bench${quick ? ' --quick' : ''}: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${process.platform}, load ${loadavg()[0].toFixed(1)}`,
);
let failed = false;
for (const [name, bench] of chosen) {
  const started = Date.now();
  try {
    await bench(ctx);
  } catch (error) {
    failed = true;
    console.log(`${name}: could not be measured: ${(error as Error).message}`);
  }
  console.error(`  (${name} took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
process.exit(failed ? 1 : 0);
