import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, describeRetry, retryDelay } from '../../../main/engine/queue/backoff.js';

describe('backoff', () => {
  it('doubles from 1 s to 5 min with jitter that never goes below half the step', () => {
    const low = () => 0;
    const high = () => 1;
    expect(retryDelay(1, DEFAULT_RETRY, undefined, low)).toBe(500);
    expect(retryDelay(1, DEFAULT_RETRY, undefined, high)).toBe(1000);
    expect(retryDelay(4, DEFAULT_RETRY, undefined, high)).toBe(8000);
    expect(retryDelay(12, DEFAULT_RETRY, undefined, high)).toBe(300_000);
    expect(retryDelay(12, DEFAULT_RETRY, undefined, low)).toBe(150_000);
    for (let i = 0; i < 100; i++) {
      const d = retryDelay(3, DEFAULT_RETRY);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });

  it("honours Concur's Retry-After when it asks for the longer wait", () => {
    expect(retryDelay(1, DEFAULT_RETRY, 30_000, () => 1)).toBe(30_000);
    expect(retryDelay(6, DEFAULT_RETRY, 2_000, () => 1)).toBe(32_000);
    // A silly Retry-After (days) is capped at an hour so uploads are not parked forever.
    expect(retryDelay(1, DEFAULT_RETRY, 7 * 86_400_000, () => 1)).toBe(3_600_000);
  });

  it('tells the user when and which attempt comes next', () => {
    expect(describeRetry(8000, 3, 8)).toBe('retrying in 8 s (attempt 3 of 8)');
    expect(describeRetry(240_000, 8, 8)).toBe('retrying in 4 min (attempt 8 of 8)');
    expect(describeRetry(20, 2, 8)).toBe('retrying in 1 s (attempt 2 of 8)');
  });
});
