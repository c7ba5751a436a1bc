import { describe, expect, it } from 'vitest';
import { OwnRemovals } from '../../../main/engine/watch/own-removals.js';
import type { Clock } from '../../../main/engine/ports.js';

/** A clock the test moves by hand. */
function handClock(): Clock & { at: number } {
  return {
    at: 1_000_000,
    now() {
      return this.at;
    },
    setTimeout: () => undefined,
    clearTimeout: () => undefined,
  };
}

describe('the engine’s own removals', () => {
  it('answers once per removal, for that root and path only', () => {
    const removals = new OwnRemovals(handClock());
    removals.expect('/scans', 'taxi.jpg');
    expect(removals.take('/other', 'taxi.jpg')).toBe(false);
    expect(removals.take('/scans', 'hotel.jpg')).toBe(false);
    expect(removals.take('/scans', 'taxi.jpg')).toBe(true);
    // The next event there is a new scan of the same name.
    expect(removals.take('/scans', 'taxi.jpg')).toBe(false);
  });

  it('forgets a removal that failed, and one whose event never came', () => {
    const clock = handClock();
    const removals = new OwnRemovals(clock);
    removals.expect('/scans', 'failed-move.jpg');
    removals.cancel('/scans', 'failed-move.jpg');
    expect(removals.take('/scans', 'failed-move.jpg')).toBe(false);

    removals.expect('/scans', 'no-event.jpg');
    clock.at += 10_000;
    // A scan given that name much later is looked at, not taken for the old removal.
    expect(removals.take('/scans', 'no-event.jpg')).toBe(false);
  });
});
