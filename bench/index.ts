import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { idleCpuBench } from './idle-cpu.js';
import { latencyBench } from './latency.js';
import { CLI, type BenchContext } from './lib.js';
import { memoryBench } from './memory.js';
import { startupBench } from './startup.js';
import { throughputBench } from './throughput.js';

/**
 * `npm run bench` (DESIGN §9): each figure as a ratio against a baseline or
 * target measured in the same run, one per line. Not a test: nothing fails,
 * it reports. `--quick` runs smaller sizes for a fast look.
 */

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

if (!existsSync(CLI)) {
  console.error(`The built CLI is missing (${CLI}): run "npm run build" first.`);
  process.exit(2);
}

const ctx: BenchContext = { quick, report: (line) => console.log(line) };
const benches: [string, (ctx: BenchContext) => Promise<void>][] = [
  ['latency', latencyBench],
  ['throughput', throughputBench],
  ['memory', memoryBench],
  ['idle', idleCpuBench],
  ['startup', startupBench],
];

console.log(
  `concur-drop bench${quick ? ' --quick' : ''}: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${process.platform}`,
);
let failed = false;
for (const [name, bench] of benches) {
  if (only && !only.split(',').includes(name)) continue;
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
