import { describe, expect, it } from 'vitest';
import { BatchCollector } from '../../../main/engine/batches.js';
import { ManualClock } from '../../helpers/manual-clock.js';

describe('merge windows for entries and invoices', () => {
  function collector(canClose: (key: string) => boolean = () => true) {
    const clock = new ManualClock();
    const closed: [string, string[]][] = [];
    const batches = new BatchCollector({
      clock,
      windowMs: 5000,
      canClose,
      onClose: (key, ids) => closed.push([key, ids]),
    });
    return { clock, closed, batches };
  }

  it('closes after the window of quiet, each new file restarting it', () => {
    const { clock, closed, batches } = collector();
    batches.add('entry:E1', 'a');
    clock.advance(4000);
    batches.add('entry:E1', 'b');
    clock.advance(4000);
    batches.touch('entry:E1'); // a third file was seen, not ready yet
    clock.advance(4999);
    expect(closed).toEqual([]);
    clock.advance(1);
    expect(closed).toEqual([['entry:E1', ['a', 'b']]]);
    expect(batches.open).toBe(0);
  });

  it('keeps targets apart and lets a removed file out', () => {
    const { clock, closed, batches } = collector();
    batches.add('entry:E1', 'a');
    batches.add('invoice:I1', 'x');
    batches.add('entry:E1', 'b');
    batches.remove('b');
    expect(batches.holds('b')).toBe(false);
    clock.advance(5000);
    expect(closed.sort()).toEqual([
      ['entry:E1', ['a']],
      ['invoice:I1', ['x']],
    ]);
  });

  it('waits another window while a file for the target is still being written', () => {
    let writing = true;
    const { clock, closed, batches } = collector(() => !writing);
    batches.add('entry:E1', 'a');
    clock.advance(5000);
    expect(closed).toEqual([]);
    writing = false;
    clock.advance(5000);
    expect(closed).toEqual([['entry:E1', ['a']]]);
  });
});
