import { describe, expect, it } from 'vitest';
import { simEngine } from '../../sim/engine.js';
import { simulate } from '../../sim/simulate.js';
import { expectDaysPass, STEPS } from './office-days.js';

describe('the real engine in the simulated office (issue 7)', () => {
  it('keeps every promise on seeds 1001–2000', { timeout: 600_000 }, () =>
    expectDaysPass(1001, 1000),
  );

  it('replays a seed exactly: the same seed gives the same trace', async () => {
    for (const seed of [3, 21]) {
      const a = await simulate({ seed, steps: STEPS, engine: simEngine });
      const b = await simulate({ seed, steps: STEPS, engine: simEngine });
      expect(a.trace.length).toBeGreaterThan(STEPS);
      expect(b.trace).toEqual(a.trace);
    }
  });
});
