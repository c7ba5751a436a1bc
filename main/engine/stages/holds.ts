import { basename, relative, sep } from 'node:path';
import { absolutePath, errorFilePath, freePath } from '../finish/finish.js';
import type { EngineJob } from '../job-book.js';
import { msg, type Message } from '../i18n/translate.js';
import type { PauseReason } from '../types.js';
import type { StageContext } from './context.js';
import type { Sending } from './sending.js';

/**
 * Holding and releasing uploads, and Retry. A user's Pause or a full data
 * disk holds every upload; a refused token (401/403, or a sign-in Concur
 * refused) holds the uploads of that account only
 * (docs/architecture.md#signing-in-to-concur). Waiting jobs show `paused`,
 * nothing fails, and they go on when the hold lifts. A sign-in hold lifts
 * when the host says the token changed, or when a periodic look finds a
 * different token.
 */

/** How often a sign-in hold looks whether the token was replaced behind our back (CLI: env/keychain). */
const TOKEN_RECHECK_MS = 30_000;

export interface HoldHooks {
  /** The token of an account, for the periodic look; never throws for a missing one. */
  getToken: (account: string) => Promise<string | null>;
  recheckMs?: number;
  emitPaused: (reason: PauseReason, message: string, text?: Message) => void;
  emitResumed: () => void;
  changed: () => void;
}

const DETAIL: Record<PauseReason, string> = {
  'disk-full': 'waiting for disk space for the ledger',
  'sign-in': 'sign-in to Concur needed',
  user: 'uploads paused',
};

/** A failed job to try again: its file back from Failed/ (`from`) or still in place, at `relPath`. */
export interface RetryPlan {
  job: EngineJob;
  from: string | null;
  relPath: string;
}

/** One account waiting for sign-in: the token Concur refused (memory only, never logged). */
interface SignInHold {
  refusedToken: string | null;
  timer: unknown;
}

export class Holds {
  readonly reasons = new Set<PauseReason>();
  /** The last token handed to each account's client; in memory only, never logged. */
  private readonly lastToken = new Map<string, string | null>();
  private readonly signIn = new Map<string, SignInHold>();
  private stopped = false;

  constructor(
    private readonly ctx: StageContext,
    private readonly sending: Sending,
    private readonly hooks: HoldHooks,
  ) {}

  /** An account client's token source: remembers which token an answer was about. */
  async token(account: string): Promise<string | null> {
    const token = await this.hooks.getToken(account);
    this.lastToken.set(account, token);
    return token;
  }

  /** A token handed to the client by another source (OAuth2): remembered like token()'s. */
  noteToken(token: string, account: string): string {
    this.lastToken.set(account, token);
    return token;
  }

  /** The detail a held job of `root` shows, for the strongest reason holding it now. */
  detail(root?: string): string | undefined {
    for (const reason of ['disk-full', 'user'] as const)
      if (this.reasons.has(reason)) return DETAIL[reason];
    if (root !== undefined && this.signIn.has(this.ctx.accountOf(root))) return DETAIL['sign-in'];
    return undefined;
  }

  /** The strongest reason uploads are held now. */
  pausedBy(): PauseReason | null {
    for (const reason of ['disk-full', 'sign-in', 'user'] as const)
      if (this.reasons.has(reason)) return reason;
    return null;
  }

  /** The accounts waiting for sign-in, in the order they were held. */
  signInNeeded(): string[] {
    return [...this.signIn.keys()];
  }

  hold(reason: PauseReason, message: string, account?: string, text?: Message): void {
    if (reason === 'sign-in')
      return this.holdAccount(account ?? this.ctx.accountOf(''), message, text);
    const had = this.reasons.has(reason);
    this.reasons.add(reason);
    const detail = this.detail()!;
    this.sending.hold(detail);
    if (had) return;
    this.hooks.emitPaused(reason, message);
    if (reason !== 'disk-full') this.markWaiting({ type: 'held', detail });
    this.hooks.changed();
  }

  /** Lifts a hold; a sign-in hold of one account, or of every account when none is named. */
  release(reason: PauseReason, account?: string): void {
    if (reason === 'sign-in') {
      for (const name of account === undefined ? this.signInNeeded() : [account])
        this.releaseAccount(name);
      return;
    }
    if (!this.reasons.delete(reason)) return;
    this.hooks.changed();
    if (this.reasons.has('disk-full') || this.reasons.has('user')) return;
    if (this.stopped) return;
    this.markWaiting({ type: 'released' });
    this.sending.release();
    if (!this.reasons.size) this.hooks.emitResumed();
  }

  private holdAccount(account: string, message: string, text?: Message): void {
    if (this.signIn.has(account)) return;
    this.signIn.set(account, {
      refusedToken: this.lastToken.get(account) ?? null,
      timer: undefined,
    });
    this.reasons.add('sign-in');
    this.sending.holdAccount(account, DETAIL['sign-in']);
    this.scheduleTokenCheck(account);
    const many = this.ctx.settings().accounts.length > 0;
    this.hooks.emitPaused(
      'sign-in',
      many ? `${account}: ${message}` : message,
      text && many ? msg('concur.forAccount', { account, message: text }) : text,
    );
    this.markWaiting({ type: 'held', detail: DETAIL['sign-in'] }, account);
    this.hooks.changed();
  }

  private releaseAccount(account: string): void {
    const hold = this.signIn.get(account);
    if (!hold) return;
    this.signIn.delete(account);
    this.ctx.clock.clearTimeout(hold.timer);
    if (!this.signIn.size) this.reasons.delete('sign-in');
    this.hooks.changed();
    if (this.stopped) return;
    this.sending.releaseAccount(account);
    // Still held for everyone (Pause, a full disk): those holds release these jobs later.
    if (this.reasons.has('user') || this.reasons.has('disk-full')) return;
    this.markWaiting({ type: 'released' }, account);
    if (!this.reasons.size) this.hooks.emitResumed();
  }

  /**
   * Retry for a failed job: a file in Failed/ goes back where it was found
   * (" (2)" if that name is taken now) and its .error.txt is removed; a
   * retryable failure's file is still in place. Either way the job starts over
   * from readiness. False when the file is gone.
   */
  async retry(jobId: string): Promise<boolean> {
    const plan = await this.retryPlan(jobId);
    return plan ? this.retryAs(plan) : false;
  }

  /**
   * Whether this failed job can be tried again, and from where: null when it cannot. Only
   * looks; `retryAs` then takes the path, before anything else can (a restart hands its
   * plans over before the watchers report files, which would otherwise become new jobs).
   */
  async retryPlan(jobId: string): Promise<RetryPlan | null> {
    const { ctx } = this;
    const job = ctx.book.get(jobId);
    // 'gone': its file was deleted, or a newer version took its place as a job of its own.
    if (
      !job ||
      job.state !== 'failed' ||
      job.disposition === 'gone' ||
      job.replacedBy ||
      !ctx.folderFor(job.root)
    )
      return null;
    const from = job.finalPath && (await this.isFile(job.finalPath)) ? job.finalPath : null;
    if (from) {
      const free = await freePath(absolutePath(job.root, job.relPath), ctx.fs);
      return { job, from, relPath: relative(job.root, free).split(sep).join('/') };
    }
    if (!(await this.isFile(absolutePath(job.root, job.relPath)))) return null;
    return { job, from: null, relPath: job.relPath };
  }

  /** Carries a plan out; its first step, taking the path in the job book, is made at once. */
  async retryAs({ job, from, relPath }: RetryPlan): Promise<boolean> {
    const { ctx } = this;
    // Another job took the path meanwhile (its file arrived anew): that one carries it on.
    if (ctx.book.atPath(job.root, relPath)) return false;
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
    for (const hold of this.signIn.values()) this.ctx.clock.clearTimeout(hold.timer);
  }

  /** Waiting jobs (of one account, when named) take the hold, or leave it. */
  private markWaiting(
    event: { type: 'held'; detail: string } | { type: 'released' },
    account?: string,
  ): void {
    const { ctx } = this;
    const jobs: EngineJob[] = [];
    for (const job of ctx.book.live.values()) {
      const phase = job.phase;
      if (account !== undefined && ctx.accountOf(job.root) !== account) continue;
      // Released for everyone: an account still waiting for sign-in keeps its jobs.
      if (
        event.type === 'released' &&
        account === undefined &&
        this.signIn.has(ctx.accountOf(job.root))
      )
        continue;
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

  private scheduleTokenCheck(account: string): void {
    const { ctx } = this;
    const hold = this.signIn.get(account);
    if (!hold || this.stopped) return;
    ctx.clock.clearTimeout(hold.timer);
    hold.timer = ctx.clock.setTimeout(() => {
      void this.hooks
        .getToken(account)
        .then((token) => {
          if (this.signIn.get(account) !== hold) return;
          if (token && token !== hold.refusedToken) this.releaseAccount(account);
          else this.scheduleTokenCheck(account);
        })
        .catch(() => this.scheduleTokenCheck(account));
    }, this.hooks.recheckMs ?? TOKEN_RECHECK_MS);
  }
}
