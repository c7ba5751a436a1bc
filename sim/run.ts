import { parseArgs } from 'node:util';
import { simEngine } from './engine.js';
import { simulate, type SimulateResult } from './simulate.js';
import { STORIES, type Story } from './world/office.js';

/**
 * `npm run sim -- [--seeds N] [--seed S] [--steps K] [--first F] [--without a,b]`:
 * runs seeds F..F+N-1 (or only S), prints each failure with its shortened
 * trace and the command that replays it, then one summary line.
 */

const USAGE =
  'usage: npm run sim -- [--seeds N] [--seed S] [--steps K] [--first F] [--without story,story] [--trace]';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        seeds: { type: 'string', default: '200' },
        seed: { type: 'string' },
        steps: { type: 'string', default: '100' },
        first: { type: 'string', default: '1' },
        without: { type: 'string', default: '' },
        trace: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const steps = Number(args.steps);
  const without = new Set(args.without.split(',').filter(Boolean)) as Set<Story>;
  for (const story of without) {
    if (!(story in STORIES)) {
      console.error(`unknown story "${story}"; known: ${Object.keys(STORIES).join(', ')}`);
      return 2;
    }
  }
  const count = Number(args.seeds);
  const seeds = args.seed !== undefined ? [Number(args.seed)] : range(Number(args.first), count);
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  if (!whole(steps) || steps < 1 || !whole(count) || count < 1 || !seeds.every(whole)) {
    console.error(USAGE);
    return 2;
  }

  const started = process.hrtime.bigint();
  const failures: SimulateResult[] = [];
  for (const seed of seeds) {
    const result = await simulate({ seed, steps, engine: simEngine, without });
    if (args.trace) for (const line of result.trace) console.log(line);
    if (result.violations.length) {
      failures.push(result);
      if (failures.length <= 3) report(result, without);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (failures.length > 3) console.log(`failing seeds: ${failures.map((f) => f.seed).join(' ')}`);
  console.log(`${seeds.length} seeds, ${failures.length} failures, ${seconds.toFixed(1)} s`);
  return failures.length ? 1 : 0;
}

function report(result: SimulateResult, without: Set<Story>): void {
  console.log(`\nseed ${result.seed} failed:`);
  for (const v of result.violations.slice(0, 10)) console.log(`  [${v.invariant}] ${v.message}`);
  console.log(`  last of ${result.trace.length} trace lines:`);
  for (const line of result.trace.slice(-30)) console.log(`    ${line}`);
  const flags = without.size ? ` --without ${[...without].join(',')}` : '';
  console.log(
    `  replay: npm run sim -- --seed ${result.seed} --steps ${result.steps}${flags} --trace\n`,
  );
}

function range(first: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1) return [];
  return Array.from({ length: count }, (_, i) => first + i);
}

process.exitCode = await main();
