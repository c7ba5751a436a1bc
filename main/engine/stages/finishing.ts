import { absolutePath, errorFilePath, finishFailed, finishUploaded } from '../finish/finish.js';
import { pathKey, type EngineJob } from '../job-book.js';
import type { Disposition } from '../lifecycle/phase.js';
import { errorCode } from '../ports/file-system.js';
import { pickLanguage, translator, type LanguageSetting } from '../i18n/translate.js';
import { systemLocales } from '../i18n/system-locale.js';
import { Limiter } from '../queue/limiter.js';
import type { OwnRemovals } from '../watch/own-removals.js';
import type { StageContext } from './context.js';

/**
 * The `finish` effect (docs/architecture.md, "Finishing"): once the ledger
 * says how a job ended, its file is moved to Uploaded/ or Failed/ (with its
 * .error.txt), kept, or deleted. Only the version that was sent (or
 * inspected) is moved: a file replaced meanwhile stays, and its new version
 * becomes a job of its own. Moves are made in small batches, because every
 * removal from a watched folder costs the watcher a look at that folder.
 */

/** How long finished files gather before they are moved together. */
const GATHER_MS = 50;
const BATCH = 200;
/** Files of one batch moved side by side. */
const MOVING_AT_ONCE = 4;

export class Finishing {
  private pending: string[] = [];
  private timer: unknown;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: StageContext,
    /** A newer version found at a finished job's path: it is a new file for intake. */
    private readonly newVersion: (root: string, relPath: string) => void,
    /** Told of each scan about to leave its folder, so the watcher need not look at it again. */
    private readonly removals: OwnRemovals,
  ) {}

  finish(job: EngineJob): void {
    if (job.disposition !== undefined) return;
    this.pending.push(job.id);
    if (this.pending.length >= BATCH) this.flushSoon(0);
    else if (this.timer === undefined) this.flushSoon(GATHER_MS);
  }

  /** Finishing still to do (for the idle check). */
  get busy(): number {
    return this.pending.length;
  }

  stop(): void {
    this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flushSoon(ms: number): void {
    this.ctx.clock.clearTimeout(this.timer);
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = undefined;
      const ids = this.pending;
      this.pending = [];
      this.flushing = this.flushing.then(() => this.flush(ids));
      void this.ctx.track(this.flushing);
    }, ms);
  }

  /**
   * Moves a batch, a few files side by side: each move waits on the disk
   * several times, and the records of moves made together share one sync.
   * Jobs of one path go in order (an old version found replaced before the
   * version that replaced it is moved).
   */
  private async flush(ids: string[]): Promise<void> {
    const byPath = new Map<string, string[]>();
    for (const id of ids) {
      const job = this.jobOf(id);
      if (!job) continue;
      const key = pathKey(job.root, job.relPath);
      byPath.set(key, [...(byPath.get(key) ?? []), id]);
    }
    const movers = new Limiter(MOVING_AT_ONCE);
    await Promise.all(
      [...byPath.values()].map((same) =>
        movers.run(async () => {
          for (const id of same) await this.finishById(id);
        }),
      ),
    );
  }

  /** A job recovered at start is not live: its ledger record is. */
  private jobOf(id: string): EngineJob | undefined {
    return this.ctx.book.live.get(id) ?? this.ctx.book.get(id);
  }

  /** Finishes the job as it is now (it may have been finished or retried since it was put here). */
  private async finishById(id: string): Promise<void> {
    if (this.ctx.stopping()) return;
    const job = this.jobOf(id);
    if (!job || job.phase !== 'done' || job.disposition !== undefined) return;
    try {
      await this.finishOne(job);
    } catch (err) {
      this.ctx.log.error('could not finish a file', { path: job.relPath, error: err });
      this.ctx.notice(
        'warn',
        `"${job.name}" ${job.state === 'failed' ? 'failed' : 'was uploaded'}, but could not be moved: ${plain(err)}`,
        job.relPath,
      );
      await this.ctx.runner.dispatch(job, { type: 'finished', disposition: 'kept' });
    }
  }

  private async finishOne(job: EngineJob): Promise<void> {
    const { ctx } = this;
    const path = absolutePath(job.root, job.relPath);
    const done = (disposition: Disposition, finalPath?: string, detail?: string) =>
      ctx.runner.dispatch(job, { type: 'finished', disposition, finalPath, detail });
    let st;
    try {
      st = await ctx.fs.lstat(path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return void (await done('gone'));
      throw err;
    }
    // Never inspected (refused by its folder's name): whatever is there is what failed.
    const version =
      job.sent ??
      (job.mtimeMs !== undefined ? { size: job.size, mtimeMs: job.mtimeMs } : undefined);
    if (
      st.kind !== 'file' ||
      (version && (st.size !== version.size || st.mtimeMs !== version.mtimeMs))
    ) {
      // Replaced since it was sent or inspected: the new version is a new file, the old one went.
      await done(
        'gone',
        undefined,
        'the file was replaced by a newer version, which is handled on its own',
      );
      if (st.kind === 'file') this.newVersion(job.root, job.relPath);
      return;
    }
    if (job.state === 'failed') {
      const landed = await finishFailed(
        job.root,
        {
          relPath: job.relPath,
          target: job.target ?? undefined,
          error: job.error ?? { reason: 'failed', retryable: false },
          at: job.finishedAt ?? ctx.clock.now(),
          attempts: job.attempts,
        },
        ctx.fs,
        errorFileTranslator(ctx.settings().language),
      );
      await done('moved', landed);
      return;
    }
    const afterUpload = ctx.settings().afterUpload;
    const leaves = afterUpload !== 'keep';
    if (leaves) this.removals.expect(job.root, job.relPath);
    const landed = await finishUploaded(job.root, job.relPath, afterUpload, ctx.fs).catch(
      (err: unknown) => {
        if (leaves) this.removals.cancel(job.root, job.relPath);
        throw err;
      },
    );
    if (afterUpload === 'keep') await done('kept', undefined, 'kept in place');
    else if (afterUpload === 'delete') await done('deleted', undefined, 'deleted after upload');
    else await done('moved', landed);
    await this.replaceFailure(job);
  }

  /**
   * A file that failed before was taken out of Failed/, fixed and dropped again: that failure is
   * over. It leaves the counts and the list, and its .error.txt goes. While the failed copy is
   * still in Failed/, this is another file of the same name (scanners reuse names): the failure
   * stands, so nothing there is left unexplained.
   */
  private async replaceFailure(job: EngineJob): Promise<void> {
    const { ctx } = this;
    const old = job.replaces ? ctx.book.get(job.replaces) : undefined;
    if (old?.state !== 'failed' || old.replacedBy) return;
    if (
      old.finalPath &&
      (await ctx.fs.lstat(old.finalPath).then(
        () => true,
        () => false,
      ))
    )
      return;
    await ctx.runner.dispatch(old, { type: 'replaced', by: job.id });
    if (old.finalPath) await ctx.fs.remove(errorFilePath(old.finalPath)).catch(() => undefined);
  }
}

function plain(err: unknown): string {
  const code = errorCode(err);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'EBUSY') return 'another program has it open';
  if (code === 'ENAMETOOLONG') return 'its path is too long';
  return err instanceof Error ? err.message : String(err);
}

/** The error file speaks the user's language: the setting, else the OS's. */
function errorFileTranslator(setting: LanguageSetting | undefined) {
  const { language, locale } = pickLanguage(setting, systemLocales());
  return translator(language, locale);
}
