import { stat } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import type { Core, UploadUnit } from './core.js';
import { absolutePath, errorFilePath, freePath, moveFile } from './finish/finish.js';
import type { EngineJob } from './job-book.js';
import { describeRetry } from './queue/backoff.js';
import type { PauseReason } from './types.js';
import { rm } from 'node:fs/promises';

/**
 * Holding and releasing uploads, and Retry. A refused token (401/403) or a
 * user's Pause holds every upload: queued jobs show `paused`, nothing fails,
 * and the queue keeps them. A sign-in hold lifts when the host says the token
 * changed, or when a periodic look finds a different token.
 */

/** How often a sign-in hold looks whether the token was replaced behind our back (CLI: env/keychain). */
const TOKEN_RECHECK_MS = 30_000;

export interface ControlsHooks {
  getToken: () => Promise<string | null>;
  /** How often a sign-in hold asks getToken whether the token changed. */
  recheckMs?: number;
  emitPaused: (reason: PauseReason, message: string) => void;
  emitResumed: () => void;
  changed: () => void;
}

function holdDetail(reasons: Set<PauseReason>): string {
  return reasons.has('sign-in') ? 'sign-in to Concur needed' : 'uploads paused';
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export class Controls {
  /** The last token handed to the client and the one Concur refused; in memory only, never logged. */
  private lastToken: string | null = null;
  private refusedToken: string | null = null;
  private recheckTimer: unknown;
  private stopped = false;

  constructor(
    private readonly core: Core,
    private readonly hooks: ControlsHooks,
  ) {}

  /** The client's token source: remembers which token an answer was about. */
  async token(): Promise<string | null> {
    const token = await this.hooks.getToken();
    this.lastToken = token;
    return token;
  }

  hold(reason: PauseReason, message: string): void {
    const { core } = this;
    const had = core.pauseReasons.has(reason);
    core.pauseReasons.add(reason);
    core.queue.pause();
    if (had) return;
    if (reason === 'sign-in') {
      this.refusedToken = this.lastToken;
      this.scheduleTokenCheck();
    }
    this.hooks.emitPaused(reason, message);
    const detail = holdDetail(core.pauseReasons);
    const work = (async () => {
      for (const unit of core.queue.waiting()) {
        for (const id of unit.jobIds) {
          const job = core.book.live.get(id);
          if (job && (job.state === 'queued' || job.state === 'paused'))
            await core.book.save(job, { state: 'paused', detail });
        }
      }
    })();
    void core.track(work).catch((error: unknown) => core.log.error('pausing jobs', { error }));
    this.hooks.changed();
  }

  release(reason: PauseReason): void {
    const { core } = this;
    if (!core.pauseReasons.delete(reason)) return;
    if (reason === 'sign-in') core.clock.clearTimeout(this.recheckTimer);
    this.hooks.changed();
    if (core.pauseReasons.size) return;
    // States first, then the queue: a unit must not start while its jobs are being re-marked.
    const work = (async () => {
      for (const unit of core.queue.waiting()) {
        for (const id of unit.jobIds) {
          const job = core.book.live.get(id);
          if (job?.state !== 'paused') continue;
          const next = job.nextAttemptAt;
          const detail =
            next && next > core.clock.now()
              ? describeRetry(next - core.clock.now(), job.attempts + 1, core.retry.tries)
              : undefined;
          await core.book.save(job, { state: 'queued', detail });
        }
      }
    })();
    void core
      .track(work)
      .catch((error: unknown) => core.log.error('resuming jobs', { error }))
      .finally(() => {
        if (core.pauseReasons.size || this.stopped) return;
        core.queue.resume();
        this.hooks.emitResumed();
      });
  }

  /** Marks a unit's jobs queued (or paused while held), then hands it to the queue. */
  async enqueue(unit: UploadUnit, notBefore?: number, detail?: string): Promise<void> {
    const { core } = this;
    const held = core.pauseReasons.size > 0;
    for (const id of unit.jobIds) {
      const job = core.book.live.get(id);
      if (!job) continue;
      await core.book.save(job, {
        state: held ? 'paused' : 'queued',
        nextAttemptAt: notBefore,
        detail: held ? holdDetail(core.pauseReasons) : detail,
      });
    }
    core.queue.add(unit, notBefore);
    if (held || !core.pauseReasons.size) return;
    // A hold began while the states were being written: these jobs are held too, and say so.
    const heldDetail = holdDetail(core.pauseReasons);
    for (const id of unit.jobIds) {
      const job = core.book.live.get(id);
      if (job?.state === 'queued')
        await core.book.save(job, { state: 'paused', detail: heldDetail });
    }
  }

  /**
   * Retry for a failed job: a file in Failed/ goes back where it was found
   * (" (2)" if that name is taken now) and its .error.txt is removed; a
   * retryable failure's file is still in place. Either way the job starts over
   * from readiness. False when the file is gone.
   */
  async retry(jobId: string, recheck: (job: EngineJob) => void): Promise<boolean> {
    const { core } = this;
    const job = core.book.get(jobId);
    if (!job || job.state !== 'failed' || !core.folderFor(job.root)) return false;
    const from = job.finalPath && (await isFile(job.finalPath)) ? job.finalPath : null;
    let relPath = job.relPath;
    if (from) {
      const dest = await freePath(absolutePath(job.root, job.relPath));
      relPath = relative(job.root, dest).split(sep).join('/');
    } else if (
      !(await isFile(absolutePath(job.root, job.relPath))) ||
      core.book.atPath(job.root, relPath)
    ) {
      return false;
    }
    // The ledger first: the file's arrival is then recognised as this job, not a new one.
    // finalPath stays until the file is back, so a crash in between still knows where it is.
    const live = await core.book.save(job, {
      state: 'waiting',
      relPath,
      name: basename(relPath),
      detail: 'trying again',
      error: undefined,
      finishedAt: undefined,
      nextAttemptAt: undefined,
      batchId: undefined,
      attempts: 0,
    });
    if (from) {
      await moveFile(from, absolutePath(job.root, relPath));
      await rm(errorFilePath(from), { force: true });
    }
    if (live.finalPath) await core.book.save(live, { finalPath: undefined });
    recheck(live);
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.core.clock.clearTimeout(this.recheckTimer);
  }

  private scheduleTokenCheck(): void {
    const { core } = this;
    core.clock.clearTimeout(this.recheckTimer);
    if (this.stopped) return;
    this.recheckTimer = core.clock.setTimeout(() => {
      void this.hooks
        .getToken()
        .then((token) => {
          if (!core.pauseReasons.has('sign-in')) return;
          if (token && token !== this.refusedToken) this.release('sign-in');
          else this.scheduleTokenCheck();
        })
        .catch(() => this.scheduleTokenCheck());
    }, this.hooks.recheckMs ?? TOKEN_RECHECK_MS);
  }
}
