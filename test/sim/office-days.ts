import { expect } from 'vitest';
import { simEngine } from '../../sim/engine.js';
import { simulate, type SimulateResult } from '../../sim/simulate.js';

/**
 * Plays seeded office days against the real engine and expects every
 * invariant kept. Two test files each take half of the 2,000 seeds, so
 * vitest's two workers play them at once.
 */

/**
 * Office actions per day. `npm run sim` plays 100 a day; here each day is
 * shorter so 2,000 of them fit in the suite's time on a 2-core machine (about
 * 2 ms of CPU per action, wherever it goes: the engine writes its ledger at
 * every step of every job). Long days are `npm run sim`'s to play.
 */
export const STEPS = 30;

export async function expectDaysPass(first: number, count: number): Promise<void> {
  const started = performance.now();
  const failures: SimulateResult[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const result = await simulate({ seed, steps: STEPS, engine: simEngine });
    if (result.violations.length) failures.push(result);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `seeds ${first}–${first + count - 1}: ${count} office days, ${failures.length} failed, ${seconds.toFixed(1)} s`,
  );
  const found = failures.map(
    (f) =>
      `seed ${f.seed}: [${f.violations[0].invariant}] ${f.violations[0].message.split('\n')[0]}` +
      ` (replay: npm run sim -- --seed ${f.seed} --steps ${STEPS} --trace)`,
  );
  expect(found).toEqual([]);
}
