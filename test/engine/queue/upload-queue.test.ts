import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../main/engine/queue/limiter.js';
import { UploadQueue } from '../../../main/engine/queue/upload-queue.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { waitFor } from '../../helpers/temp-dir.js';

/** A worker whose items finish when the test says so. */
function gatedWorker() {
  const running: string[] = [];
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  return {
    running,
    started,
    run: (item: string) =>
      new Promise<void>((resolve) => {
        running.push(item);
        started.push(item);
        gates.set(item, () => {
          running.splice(running.indexOf(item), 1);
          resolve();
        });
      }),
    finish: (item: string) => gates.get(item)?.(),
  };
}

describe('upload queue', () => {
  it('runs at most `concurrency` uploads at a time, first come first served', async () => {
    const w = gatedWorker();
    const q = new UploadQueue<string>({ concurrency: 2, clock: new ManualClock(), run: w.run });
    for (const x of ['a', 'b', 'c', 'd']) q.add(x);
    expect(w.running).toEqual(['a', 'b']);
    expect(q.pending).toBe(2);
    w.finish('a');
    await waitFor(() => w.running.includes('c'));
    expect(w.running).toEqual(['b', 'c']);
    w.finish('b');
    w.finish('c');
    await waitFor(() => w.started.length === 4);
    expect(w.started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts a backing-off item only when its time has come', () => {
    const clock = new ManualClock();
    const w = gatedWorker();
    const q = new UploadQueue<string>({ concurrency: 2, clock, run: w.run });
    q.add('later', clock.now() + 8000);
    expect(w.started).toEqual([]);
    expect(q.waiting()).toEqual(['later']);
    clock.advance(7999);
    expect(w.started).toEqual([]);
    clock.advance(1);
    expect(w.started).toEqual(['later']);
  });

  it('starts nothing while paused and everything held on resume', () => {
    const w = gatedWorker();
    const q = new UploadQueue<string>({ concurrency: 3, clock: new ManualClock(), run: w.run });
    q.pause();
    q.add('x');
    q.add('y');
    expect(w.started).toEqual([]);
    expect(q.paused).toBe(true);
    q.resume();
    expect(w.started).toEqual(['x', 'y']);
  });

  it('takes queued items out on request and keeps going after a worker throws', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const q = new UploadQueue<string>({
      concurrency: 1,
      clock,
      run: async (item) => {
        seen.push(item);
        if (item === 'boom') throw new Error('worker failed');
      },
    });
    q.pause();
    q.add('boom');
    q.add('drop-me');
    q.add('keep', clock.now() + 10);
    expect(q.remove((x) => x === 'drop-me')).toEqual(['drop-me']);
    q.resume();
    clock.advance(10);
    await waitFor(() => seen.includes('keep'));
    expect(seen).toEqual(['boom', 'keep']);
  });
});

describe('limiter', () => {
  it('runs at most the given number of tasks at once, the rest in order', async () => {
    const limiter = new Limiter(2);
    let now = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        limiter.run(async () => {
          now++;
          peak = Math.max(peak, now);
          await new Promise((r) => setTimeout(r, 10));
          order.push(n);
          now--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });
});
