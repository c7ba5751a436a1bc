import type { Clock } from '../../main/engine/ports.js';

/** A Clock whose time moves only when the test says so: backoffs without sleeping. */
export class ManualClock implements Clock {
  private time: number;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;

  constructor(start = Date.UTC(2026, 0, 15, 12)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in order (and any they set that fall due too). */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }
}
