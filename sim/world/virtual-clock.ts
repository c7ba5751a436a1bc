import type { Clock } from '../../main/engine/ports.js';
import type { Life } from './life.js';

/**
 * Virtual time: nothing in the simulated world sleeps. `run` lets every
 * pending microtask finish, then jumps to the next timer. Timers due at the
 * same moment fire in the order they were set, so a seed replays exactly.
 */

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  life?: Life;
  cancelled: boolean;
}

/** Handle returned by setTimeout; opaque to callers. */
export type TimerHandle = { readonly seq: number };

/** A Monday morning in an office, so dates in names and logs look plausible. */
export const SIM_EPOCH = Date.UTC(2026, 0, 5, 8, 0, 0);

/** Macrotask turns per settle: code that yields with setImmediate needs more than one. */
const SETTLE_TURNS = 2;

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private heap: Timer[] = [];
  private live = 0;

  constructor(start = SIM_EPOCH) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    const timer = handle as Timer | undefined;
    if (timer && typeof timer === 'object' && 'cancelled' in timer && !timer.cancelled) {
      timer.cancelled = true;
      this.live--;
    }
  }

  /** A Clock whose timers belong to `life`: they are skipped once it ended. */
  forLife(life: Life): Clock {
    return {
      now: () => this.time,
      setTimeout: (fn, ms) => this.schedule(fn, ms, life),
      clearTimeout: (h) => this.clearTimeout(h),
    };
  }

  /** Resolves after `ms` of virtual time. */
  sleep(ms: number, life?: Life): Promise<void> {
    return new Promise((resolve) => this.schedule(resolve, ms, life));
  }

  /** Timers still to fire (cancelled and dead lives' timers excluded only when reached). */
  get pending(): number {
    return this.live;
  }

  /** When the next timer is due, or undefined when none is. */
  nextAt(): number | undefined {
    this.dropDead();
    return this.heap[0]?.at;
  }

  /** Lets every microtask and setImmediate chain finish, without moving time. */
  async settle(): Promise<void> {
    for (let i = 0; i < SETTLE_TURNS; i++) await macrotask();
  }

  /**
   * Fires timers in order until virtual time would pass `until`, or `quiet()`
   * holds after a settle, or no timer is left. Time ends at `until` when given.
   */
  async run(options: { until?: number; quiet?: () => boolean } = {}): Promise<void> {
    const { until, quiet } = options;
    for (;;) {
      await this.settle();
      if (quiet?.()) return;
      const next = this.nextAt();
      if (next === undefined || (until !== undefined && next > until)) break;
      const timer = this.pop()!;
      this.time = Math.max(this.time, timer.at);
      timer.fn();
    }
    if (until !== undefined && until > this.time) this.time = until;
  }

  private schedule(fn: () => void, ms: number, life?: Life): Timer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { at: this.time + delay, seq: this.seq++, fn, life, cancelled: false };
    this.live++;
    this.push(timer);
    return timer;
  }

  private dropDead(): void {
    for (;;) {
      const top = this.heap[0];
      if (!top) return;
      if (top.cancelled) {
        this.pop();
        continue;
      }
      if (top.life && !top.life.isAlive) {
        this.pop();
        continue;
      }
      return;
    }
  }

  /** Removes and returns the earliest live timer. */
  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (!top) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    if (!top.cancelled) {
      top.cancelled = true;
      this.live--;
    }
    return top;
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
