import { basename, relative, sep } from 'node:path';
import { absolutePath, errorFilePath, freePath } from '../finish/finish.js';
import type { EngineJob } from '../job-book.js';
import type { PauseReason } from '../types.js';
import type { StageContext } from './context.js';
import type { Sending } from './sending.js';

/**
 * Holding and releasing uploads, and Retry. A refused token (401/403), a
 * user's Pause or a full data disk holds every upload: waiting jobs show
 * `paused`, nothing fails, and they go on when the hold lifts. A sign-in hold
 * lifts when the host says the token changed, or when a periodic look finds a
 * different token.
 */

/** How often a sign-in hold looks whether the token was replaced behind our back (CLI: env/keychain). */
const TOKEN_RECHECK_MS = 30_000;

export interface HoldHooks {
  getToken: () => Promise<string | null>;
  recheckMs?: number;
  emitPaused: (reason: PauseReason, message: string) => void;
  emitResumed: () => void;
  changed: () => void;
}

const DETAIL: Record<PauseReason, string> = {
  'disk-full': 'waiting for disk space for the ledger',
  'sign-in': 'sign-in to Concur needed',
  user: 'uploads paused',
};

export class Holds {
  readonly reasons = new Set<PauseReason>();
  /** The last token handed to the client and the one Concur refused; in memory only, never logged. */
  private lastToken: string | null = null;
  private refusedToken: string | null = null;
  private recheckTimer: unknown;
  private stopped = false;

  constructor(
    private readonly ctx: StageContext,
    private readonly sending: Sending,
    private readonly hooks: HoldHooks,
  ) {}

  /** The client's token source: remembers which token an answer was about. */
  async token(): Promise<string | null> {
    const token = await this.hooks.getToken();
    this.lastToken = token;
    return token;
  }

  /** A token handed to the client by another source (OAuth2): remembered like token()'s. */
  noteToken(token: string): string {
    this.lastToken = token;
    return token;
  }

  /** The detail a held job shows, for the strongest reason held now. */
  detail(): string | undefined {
    for (const reason of ['disk-full', 'sign-in', 'user'] as const)
      if (this.reasons.has(reason)) return DETAIL[reason];
    return undefined;
  }

  /** The strongest reason uploads are held now. */
  pausedBy(): PauseReason | null {
    for (const reason of ['disk-full', 'sign-in', 'user'] as const)
      if (this.reasons.has(reason)) return reason;
    return null;
  }

  hold(reason: PauseReason, message: string): void {
    const had = this.reasons.has(reason);
    this.reasons.add(reason);
    const detail = this.detail()!;
    this.sending.hold(detail);
    if (had) return;
    if (reason === 'sign-in') {
      this.refusedToken = this.lastToken;
      this.scheduleTokenCheck();
    }
    this.hooks.emitPaused(reason, message);
    if (reason !== 'disk-full') this.markWaiting({ type: 'held', detail });
    this.hooks.changed();
  }

  release(reason: PauseReason): void {
    if (!this.reasons.delete(reason)) return;
    if (reason === 'sign-in') this.ctx.clock.clearTimeout(this.recheckTimer);
    this.hooks.changed();
    if (this.reasons.size) return;
    this.markWaiting({ type: 'released' });
    if (this.stopped) return;
    this.sending.release();
    this.hooks.emitResumed();
  }

  /**
   * Retry for a failed job: a file in Failed/ goes back where it was found
   * (" (2)" if that name is taken now) and its .error.txt is removed; a
   * retryable failure's file is still in place. Either way the job starts over
   * from readiness. False when the file is gone.
   */
  async retry(jobId: string): Promise<boolean> {
    const { ctx } = this;
    const job = ctx.book.get(jobId);
    if (!job || job.state !== 'failed' || !ctx.folderFor(job.root)) return false;
    const from = job.finalPath && (await this.isFile(job.finalPath)) ? job.finalPath : null;
    let relPath = job.relPath;
    if (from) {
      const free = await freePath(absolutePath(job.root, job.relPath), ctx.fs);
      relPath = relative(job.root, free).split(sep).join('/');
    } else if (
      !(await this.isFile(absolutePath(job.root, job.relPath))) ||
      ctx.book.atPath(job.root, relPath)
    ) {
      return false;
    }
    // The ledger first: the file's arrival is then recognised as this job, not a new one.
    const back = await ctx.runner.dispatch(job, {
      type: 'retried',
      relPath,
      name: basename(relPath),
    });
    if (!back) return false;
    if (from) {
      try {
        await ctx.fs.move(from, absolutePath(job.root, relPath));
      } catch (err) {
        ctx.log.warn('Retry could not put the file back', { path: relPath, error: err });
        await ctx.runner.dispatch(back, { type: 'gone' });
        return false;
      }
      await ctx.fs.remove(errorFilePath(from)).catch(() => undefined);
    }
    await ctx.runner.dispatch(back, { type: 'changed' });
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.recheckTimer);
  }

  private markWaiting(event: { type: 'held'; detail: string } | { type: 'released' }): void {
    const { ctx } = this;
    const jobs: EngineJob[] = [];
    for (const job of ctx.book.live.values()) {
      const phase = job.phase;
      if (event.type === 'held' ? phase === 'queued' || phase === 'backing-off' : phase === 'held')
        jobs.push(job);
    }
    for (const job of jobs) void ctx.track(ctx.runner.dispatch(job, event)).catch(() => undefined);
  }

  private async isFile(path: string): Promise<boolean> {
    try {
      return (await this.ctx.fs.lstat(path)).kind === 'file';
    } catch {
      return false;
    }
  }

  private scheduleTokenCheck(): void {
    const { ctx } = this;
    ctx.clock.clearTimeout(this.recheckTimer);
    if (this.stopped) return;
    this.recheckTimer = ctx.clock.setTimeout(() => {
      void this.hooks
        .getToken()
        .then((token) => {
          if (!this.reasons.has('sign-in')) return;
          if (token && token !== this.refusedToken) this.release('sign-in');
          else this.scheduleTokenCheck();
        })
        .catch(() => this.scheduleTokenCheck());
    }, this.hooks.recheckMs ?? TOKEN_RECHECK_MS);
  }
}
