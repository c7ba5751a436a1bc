import { describe, expect, it } from 'vitest';
import { simEngine } from '../../sim/engine.js';
import { simulate, type SimulateResult } from '../../sim/simulate.js';

/**
 * The real engine against the simulated office (issue 7): 2,000 seeded days,
 * each checked for every invariant, all passing. A failure names its seed and
 * the command that replays it with a trace.
 */

const SEEDS = 2000;
const STEPS = 100;

describe('the real engine in the simulated office', () => {
  it(`keeps every promise on ${SEEDS} seeded office days`, { timeout: 600_000 }, async () => {
    const started = performance.now();
    const failures: SimulateResult[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await simulate({ seed, steps: STEPS, engine: simEngine });
      if (result.violations.length) failures.push(result);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`${SEEDS} seeds, ${failures.length} failures, ${seconds.toFixed(1)} s`);
    const found = failures.map(
      (f) =>
        `seed ${f.seed}: [${f.violations[0].invariant}] ${f.violations[0].message.split('\n')[0]}` +
        ` (replay: npm run sim -- --seed ${f.seed} --steps ${STEPS} --trace)`,
    );
    expect(found).toEqual([]);
  });

  it('replays a seed exactly: the same seed gives the same trace', async () => {
    for (const seed of [3, 21]) {
      const a = await simulate({ seed, steps: STEPS, engine: simEngine });
      const b = await simulate({ seed, steps: STEPS, engine: simEngine });
      expect(a.trace.length).toBeGreaterThan(STEPS);
      expect(b.trace).toEqual(a.trace);
    }
  });
});
