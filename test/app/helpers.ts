import { EventEmitter } from 'node:events';
import type { Clock } from '../../main/engine/ports.js';
import type { EngineEventMap, Job, Summary } from '../../main/engine/types.js';

/** A Summary as the engine reports it, with everything at rest unless given. */
export function summary(over: Partial<Summary> = {}): Summary {
  return {
    waiting: 0,
    queued: 0,
    uploading: 0,
    uploaded: 0,
    duplicate: 0,
    failed: 0,
    paused: 0,
    uploadedToday: 0,
    pausedBy: null,
    unavailableRoots: [],
    roots: ['/home/anna/Scans'],
    ...over,
  };
}

let seq = 0;
/** A Job as the engine emits it. */
export function job(over: Partial<Job> = {}): Job {
  seq++;
  return {
    id: `job-${seq}`,
    root: '/home/anna/Scans',
    relPath: `scan-${seq}.pdf`,
    name: `scan-${seq}.pdf`,
    target: { kind: 'receipt' },
    state: 'uploaded',
    attempts: 1,
    createdAt: 1_000,
    updatedAt: 2_000,
    ...over,
  };
}

/** The engine's event stream on its own: a typed EventEmitter (what the engine extends). */
export const engineEvents = () => new EventEmitter<EngineEventMap>();

/** A clock that moves only when the test says so (the Clock port). */
export class ManualClock implements Clock {
  private time = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Moves time forward, running each timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.length;
  }
}

/** Polls until `check` passes (slow machines: no fixed sleeps). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
