import type { Message } from '../i18n/translate.js';
import type { JobBook, EngineJob } from '../job-book.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../ports.js';
import { errorCode } from '../ports/file-system.js';
import type { Effect } from './effects.js';
import type { JobEvent } from './events.js';
import { reduce } from './reduce.js';

/**
 * Carries the lifecycle out: each event for a job goes through its mailbox
 * (one at a time, in order), the reducer computes the new job, the ledger
 * records it durably, and only then are the effects started. Nothing else
 * writes a job's phase.
 */

/** Where each effect is carried out: the engine's stages. */
export interface EffectHandlers {
  awaitReady(job: EngineJob): void;
  inspect(job: EngineJob): void;
  prepare(job: EngineJob): void;
  collect(job: EngineJob): void;
  enqueue(job: EngineJob, notBefore?: number): void;
  /** `before`: the job as it was, e.g. the batch it is leaving. */
  leaveWaits(job: EngineJob, before: EngineJob): void;
  finish(job: EngineJob): void;
  releaseCopies(job: EngineJob): void;
  /** `job`: whose account Concur refused. */
  holdForSignIn(message: string, job: EngineJob, text?: Message): void;
}

/** The ledger's disk said no (full, read-only): uploads wait until a write goes through again. */
export interface DiskWatch {
  trouble(error: unknown): void;
  recovered(): void;
  /** Set once the engine stops: a write still failing then gives up. */
  readonly stopping: boolean;
}

/** Ledger errors that clear by themselves once someone frees space: wait and write again. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM']);
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

export class JobRunner {
  private readonly mailboxes = new Map<string, Promise<unknown>>();
  private handlers: EffectHandlers | null = null;
  private troubled = false;

  constructor(
    private readonly book: JobBook,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly disk: DiskWatch,
  ) {}

  /** The stages are built after the runner (they dispatch to it); they are handed in once. */
  connect(handlers: EffectHandlers): void {
    this.handlers = handlers;
  }

  /**
   * Applies `event` to the job with this id (or to `job` when it is new) in
   * its mailbox; resolves with the recorded job, or undefined when the job is
   * no longer known.
   */
  dispatch(job: EngineJob, event: JobEvent): Promise<EngineJob | undefined> {
    const id = job.id;
    const prior = this.mailboxes.get(id) ?? Promise.resolve();
    const next = prior.then(() => this.apply(job, event));
    const settled = next.catch(() => undefined);
    this.mailboxes.set(id, settled);
    void settled.then(() => {
      if (this.mailboxes.get(id) === settled) this.mailboxes.delete(id);
    });
    return next;
  }

  /** Events waiting or being applied (for the idle check). */
  get busy(): number {
    return this.mailboxes.size;
  }

  private async apply(given: EngineJob, event: JobEvent): Promise<EngineJob | undefined> {
    const current = this.book.get(given.id) ?? given;
    const { job, effects } = reduce(current, event, this.clock.now());
    if (job === current && effects.length === 0) return current;
    const recorded = job === current ? current : await this.record(current, job);
    if (!recorded) return undefined;
    for (const effect of effects) this.run(effect, recorded, current);
    return recorded;
  }

  /** Writes the new job durably; a full or failing disk is waited out, never skipped. */
  private async record(before: EngineJob, after: EngineJob): Promise<EngineJob | undefined> {
    let delay = FIRST_RETRY_MS;
    for (;;) {
      try {
        const saved = await this.book.save(before, after);
        if (this.troubled) {
          this.troubled = false;
          this.disk.recovered();
        }
        return saved;
      } catch (error) {
        if (!DISK_FULL.has(errorCode(error) ?? '') || this.disk.stopping) throw error;
        if (!this.troubled) {
          this.troubled = true;
          this.disk.trouble(error);
        }
        this.log.warn('the ledger could not be written; trying again', { error, delay });
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, delay));
        if (this.disk.stopping) throw error;
        delay = Math.min(MAX_RETRY_MS, delay * 2);
      }
    }
  }

  private run(effect: Effect, job: EngineJob, before: EngineJob): void {
    const h = this.handlers;
    if (!h) throw new Error('The job runner is not connected to its stages.');
    switch (effect.kind) {
      case 'await-ready':
        return h.awaitReady(job);
      case 'inspect':
        return h.inspect(job);
      case 'prepare':
        return h.prepare(job);
      case 'collect':
        return h.collect(job);
      case 'enqueue':
        return h.enqueue(job, effect.notBefore);
      case 'leave-waits':
        return h.leaveWaits(job, before);
      case 'finish':
        return h.finish(job);
      case 'release-copies':
        return h.releaseCopies(job);
      case 'hold-for-sign-in':
        return h.holdForSignIn(effect.message, job, effect.text);
    }
  }
}
