import type { Job } from '../main/engine/types.js';
import type { SimWorld } from './world/world.js';

export type { SimWorld } from './world/world.js';

/**
 * Where the simulator plugs an engine in. The driver builds one engine per
 * life: at the start and after every crash, each time from fresh ports bound
 * to that life (the world has already cut the previous life's ports off).
 */
export interface SimEngine {
  /** Starts watching and resumes from the journal; resolves once running. */
  start(): Promise<void>;
  /** A clean stop (the office's day is over, or a test is done). */
  stop(): Promise<void>;
  /** The process was killed: drop everything; no I/O may follow. */
  crash(): void;
  /** Every job the engine would show (the status window, `status --json`). */
  jobs(): Job[];
  /** True when `watch --once` would exit now; undefined: judged from jobs() alone. */
  settled?(): boolean;
}

export type SimEngineFactory = (world: SimWorld) => SimEngine;
