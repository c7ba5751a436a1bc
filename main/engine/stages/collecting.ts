import { join } from 'node:path';
import { BatchCollector } from '../batches.js';
import { absolutePath } from '../finish/finish.js';
import { MAX_IMAGE_BYTES, megabytes } from '../inspect/inspect.js';
import { msg, noteOf, reasonOf, targetInSentence, type Message } from '../i18n/translate.js';
import type { EngineJob } from '../job-book.js';
import { SENDABLE } from '../lifecycle/phase.js';
import { naturalCompare } from '../merge/page-order.js';
import { errorCode } from '../ports/file-system.js';
import { describeTarget, targetKey } from '../routing/route.js';
import type { ContentType, JobError, UploadTarget } from '../types.js';
import type { PrepareResult } from '../prepare/prepare-types.js';
import type { StageContext } from './context.js';
import type { Sending, UploadUnit } from './sending.js';

/**
 * The `collect` effect (entries and invoices take one image): files that
 * arrive for one target within the merge window become one PDF, staged in the
 * data dir, and go to Sending as one unit. The window closes only once no
 * file for that target is still settling or being inspected, and no file for
 * it failed its check: the rest then waits for a fixed file, or for "Upload
 * without it" (docs/architecture.md#a-forgiving-batch).
 */

/** Builds one PDF of these files at `out`: pdf-lib in production, a stand-in in the simulator. */
export type Merger = (
  inputs: { path: string; contentType: ContentType }[],
  out: string,
) => Promise<{ size: number }>;

/** "Entry X already has an image in Concur; Concur allows one image per entry." */
export function alreadyHasImage(target: UploadTarget, fromConcur?: Partial<JobError>): JobError {
  return {
    ...fromConcur,
    ...reasonOf(
      msg('reason.hasImage', {
        target: targetInSentence(target, true),
        kind: msg(`kind.${target.kind}`),
      }),
    ),
    retryable: false,
    code: 'already-has-image',
  };
}

/** A merge that failed reading a file (its errno code, here or as the cause), not parsing it. */
function fileTrouble(err: unknown): boolean {
  return (
    errorCode(err) !== undefined ||
    errorCode((err as { cause?: unknown } | null)?.cause) !== undefined
  );
}

/** Why a batch-mate failed its check, in a few words: "waiting for scan_2.pdf (password protected)". */
const SHORT_REASONS: Record<string, string> = {
  encrypted: 'why.encrypted',
  empty: 'why.empty',
  'too-large': 'why.tooLarge',
  'unsupported-type': 'why.unsupportedType',
  incomplete: 'why.incomplete',
};

export function waitingFor(holder: EngineJob): { detail: string; detailText: Message } {
  const why = SHORT_REASONS[holder.error?.code ?? ''] ?? 'why.unusable';
  return noteOf(msg('detail.waitingFor', { name: holder.name, why: msg(why) }));
}

export class Collecting {
  readonly batches: BatchCollector;
  /** Targets whose closed window is being merged: a later window for one waits its turn. */
  private readonly closing = new Set<string>();
  /** Folders found away (true) or there (false) at the last look for a window (mayBeBack). */
  private readonly rootsAway = new Map<string, boolean>();

  constructor(
    private readonly ctx: StageContext,
    private readonly merge: Merger,
    private readonly sending: Sending,
    /** Retry (as the button does): puts a failed job's file back on its way. */
    private readonly retryFailed: (jobId: string) => Promise<boolean>,
    /** Shrinks a merged PDF over the limit to one file that fits (the `shrink` setting). */
    private readonly shrink?: (path: string) => Promise<PrepareResult>,
  ) {
    this.batches = new BatchCollector({
      clock: ctx.clock,
      windowMs: ctx.settings().batchWindowMs,
      canClose: (key) => !this.memberOnItsWay(key) && !this.waitsForFix(key),
      onClose: (key, ids) => {
        void ctx
          .track(this.close(key, ids))
          .catch((err: unknown) => ctx.log.error('batch failed', { key, error: err }));
      },
    });
  }

  collect(job: EngineJob): void {
    if (!job.target) return;
    const key = targetKey(job.target);
    // The fixed file for a batch-mate that failed its check: the batch no longer waits for that one.
    const replaced = job.replaces ? this.ctx.book.get(job.replaces) : undefined;
    if (replaced?.holdsBatch && replaced.target && targetKey(replaced.target) === key)
      void this.ctx.track(
        this.ctx.runner.dispatch(replaced, {
          type: 'batch-released',
          ...noteOf(msg('detail.takesPlace', { name: job.name })),
        }),
      );
    this.batches.add(key, job.id);
  }

  /** "Upload without it": the batch that waits for this failed file goes without it. */
  async sendWithout(jobId: string): Promise<boolean> {
    const job = this.ctx.book.get(jobId);
    if (!job?.holdsBatch) return false;
    const released = await this.ctx.runner.dispatch(job, {
      type: 'batch-released',
      ...noteOf(msg('detail.batchReleased')),
    });
    return !!released;
  }

  /** Whether a file for this target failed its check; its waiting batch-mates then say so. */
  private waitsForFix(key: string): boolean {
    const holder = this.ctx.book.batchHolder(key);
    // An entry with its image already: the window closes, and its files fail with that reason.
    if (!holder || this.ctx.book.imaged(key)) return false;
    const waits = waitingFor(holder);
    for (const id of this.batches.members(key)) {
      const job = this.ctx.book.live.get(id);
      if (job?.phase === 'collecting' && job.detail !== waits.detail)
        void this.ctx.track(this.ctx.runner.dispatch(job, { type: 'batch-waits', ...waits }));
    }
    return true;
  }

  /** A new file for a target was seen: an open window waits for it. */
  touch(target: UploadTarget | null): void {
    if (target) this.batches.touch(targetKey(target));
  }

  leave(job: EngineJob): void {
    this.batches.remove(job.id);
  }

  stop(): void {
    this.batches.stop();
  }

  /**
   * An earlier batch for this target gave up after all its tries (Concur kept
   * failing) and waits in place for a retry. Sent alone now, a newer file
   * would become the one image, and those files could never join it: they
   * are tried again at once, to go together with it. This cannot go round:
   * the newer file is then in their batch, and giving up again takes all the
   * tries and their waits, for all of them together.
   */
  private async retryGaveUp(key: string): Promise<boolean> {
    let retried = false;
    for (const job of this.ctx.book.inStates(['failed']) as EngineJob[]) {
      if (
        job.error?.code !== 'gave-up' ||
        job.disposition !== 'kept' ||
        job.mayHaveLanded ||
        !job.target ||
        targetKey(job.target) !== key
      )
        continue;
      if (await this.retryFailed(job.id)) retried = true;
    }
    return retried;
  }

  /** Whether a failed upload to this target (not retried yet) may have landed. */
  private earlierMayHaveLanded(key: string): boolean {
    return this.ctx.book
      .inStates(['failed'])
      .some((j) => (j as EngineJob).mayHaveLanded && !!j.target && targetKey(j.target) === key);
  }

  /** Whether any member's file is no longer the version inspected (or cannot be looked at). */
  private async anyChanged(jobs: EngineJob[]): Promise<boolean> {
    for (const job of jobs) {
      try {
        const st = await this.ctx.fs.lstat(absolutePath(job.root, job.relPath));
        if (st.size !== job.size || st.mtimeMs !== job.mtimeMs) return true;
      } catch {
        return true;
      }
    }
    return false;
  }

  /**
   * A file for this target arrived but is not inspected yet, or is not in the window yet. By
   * id, not by count: a member on its way out (its end not yet durable) must not make up for a
   * newcomer on its way in.
   */
  private memberOnItsWay(key: string): boolean {
    const { book } = this.ctx;
    if (book.arrivingFor(key) > 0) return true;
    const members = new Set(this.batches.members(key));
    for (const id of book.collectingFor(key)) if (!members.has(id)) return true;
    for (const job of book.live.values()) {
      if (!job.target || targetKey(job.target) !== key) continue;
      // A batch cut because a member changed sends the others back to be merged anew; with the
      // data disk full, they may still wait for that to be recorded, their batch no longer sent.
      if (
        job.batchId &&
        SENDABLE.has(job.phase ?? 'settling') &&
        !this.sending.hasUnit(job.batchId)
      )
        return true;
      // Only its path's job looks again when the folder is back (an older job for a file
      // replaced before a crash may wait there too, and never will).
      if (
        job.phase === 'unreachable' &&
        book.atPath(job.root, job.relPath) === job &&
        this.mayBeBack(job.root)
      )
        return true;
    }
    return false;
  }

  /**
   * Whether a member's folder, found unreachable, may be back: it then looks for its file again
   * (a full disk can hold that back), and the window waits for it. A folder is looked at as the
   * window would close; only once found away does the window close without it, so `--once`
   * still ends while a share is unplugged.
   */
  private mayBeBack(root: string): boolean {
    const away = this.rootsAway.get(root);
    void this.ctx.track(
      this.ctx.rootReachable(root).then((reachable) => this.rootsAway.set(root, !reachable)),
    );
    return away !== true;
  }

  private async close(key: string, jobIds: string[]): Promise<void> {
    const { ctx } = this;
    const { book, runner } = ctx;
    let jobs = jobIds
      .map((id) => book.live.get(id))
      .filter((j): j is EngineJob => j !== undefined && j.phase === 'collecting' && !!j.target);
    if (!jobs.length || ctx.stopping()) return;
    const target = jobs[0].target as UploadTarget;
    if (book.imaged(key)) {
      for (const job of jobs)
        await runner.dispatch(job, { type: 'refused', error: alreadyHasImage(target) });
      return;
    }
    if (this.closing.has(key) || this.sending.hasUnitFor(key)) {
      // An earlier batch for this target is still being merged or going up: decide once it is answered.
      for (const job of jobs) this.batches.add(key, job.id);
      return;
    }
    if (await this.retryGaveUp(key)) {
      // They are on their way again; this window waits for them, then all go as one.
      for (const job of jobs) this.batches.add(key, job.id);
      return;
    }
    // A file whose earlier version may be the image (its answer lost) is not sent again as
    // another version: Concur's answer could not tell which of the two it holds.
    const doubtful = jobs.filter(
      (j) => typeof j.mayHaveLanded === 'string' && j.mayHaveLanded !== j.sha256,
    );
    for (const job of doubtful)
      await runner.dispatch(job, {
        type: 'refused',
        error: {
          ...reasonOf(
            msg('reason.mayBeImage', {
              target: targetInSentence(target),
              kind: msg(`kind.${target.kind}`),
            }),
          ),
          retryable: false,
          code: 'already-has-image',
        },
      });
    jobs = jobs.filter((j) => !doubtful.includes(j));
    if (!jobs.length) return;
    if (!jobs.some((j) => j.mayHaveLanded) && this.earlierMayHaveLanded(key)) {
      // Sent now, Concur's "already has an image" could not tell this upload from that one.
      for (const job of jobs)
        await runner.dispatch(job, {
          type: 'refused',
          error: {
            ...reasonOf(
              msg('reason.mayHaveImage', {
                target: targetInSentence(target, true),
                kind: msg(`kind.${target.kind}`),
              }),
            ),
            retryable: false,
            code: 'already-has-image',
          },
        });
      return;
    }
    // Files that went out before, answer lost, go again as they went: were a newcomer merged in,
    // Concur's "already has an image" could not tell whether it is in that image.
    const sent = jobs.filter((j) => j.mayHaveLanded);
    if (sent.length && sent.length < jobs.length) {
      for (const job of jobs) if (!job.mayHaveLanded) this.batches.add(key, job.id);
      jobs = sent;
    }
    this.closing.add(key);
    try {
      await this.closeWindow(jobs, target);
    } finally {
      this.closing.delete(key);
    }
  }

  /** Merges the members of a closed window into one upload unit (or queues a lone file). */
  private async closeWindow(members: EngineJob[], target: UploadTarget): Promise<void> {
    let jobs = members;
    const { ctx } = this;
    const { runner } = ctx;
    if (jobs.length === 1) {
      await runner.dispatch(jobs[0], { type: 'queued', heldBy: this.sending.heldBy(jobs[0].root) });
      return;
    }
    jobs.sort((a, b) => naturalCompare(a.relPath, b.relPath));
    const batchId = ctx.newId();
    const what = describeTarget(target);
    const merging: (EngineJob | undefined)[] = [];
    for (const job of jobs)
      merging.push(
        await runner.dispatch(job, {
          type: 'merging',
          batchId,
          batchSize: jobs.length,
          ...noteOf(msg('detail.merging', { n: jobs.length, target: targetInSentence(target) })),
        }),
      );
    const same = (job: EngineJob | undefined, i: number) =>
      job?.phase === 'merging' && job.batchId === batchId && job.sha256 === jobs[i].sha256;
    if (!merging.every(same)) {
      // A member changed as the window closed (its merging waited on the ledger meanwhile):
      // the batch forms anew once every member is ready again.
      await this.sendBack(merging, (job) => job.phase === 'merging' && job.batchId === batchId);
      return;
    }
    jobs = merging as EngineJob[];
    let out = join(ctx.dataDir, 'staging', `${batchId}.pdf`);
    const refuse = async (error: JobError) => {
      await ctx.fs.remove(out).catch(() => undefined);
      for (const job of jobs) await runner.dispatch(job, { type: 'refused', error });
    };
    let merged;
    try {
      merged = await this.merge(
        // A converted file goes in as what it became.
        jobs.map((j) => ({
          path: j.prepared?.[0]?.path ?? absolutePath(j.root, j.relPath),
          contentType: j.contentType!,
        })),
        out,
      );
    } catch (err) {
      if (fileTrouble(err) || (await this.anyChanged(jobs))) {
        // A member was deleted, replaced, rewritten or locked since it was inspected: not a bad
        // file. Every member looks again; the batch forms anew from what is there now.
        await ctx.fs.remove(out).catch(() => undefined);
        for (const job of jobs) await runner.dispatch(job, { type: 'changed' });
        return;
      }
      const why = err instanceof Error ? err.message : String(err);
      return refuse({
        reason: `The files for ${what} could not be merged into one PDF: ${why}`,
        text: msg('reason.mergeFailed', { target: targetInSentence(target) }),
        retryable: false,
        code: 'merge-failed',
      });
    }
    if (merged.size > MAX_IMAGE_BYTES && this.shrink && ctx.settings().shrink) {
      const shrunk = await this.shrink(out).catch((err: unknown) => {
        ctx.log.warn('a merged batch could not be shrunk', { error: err });
        return undefined;
      });
      if (shrunk?.ok === true && shrunk.parts.length === 1) {
        await ctx.fs.remove(out).catch(() => undefined);
        out = shrunk.parts[0].path;
        merged = { size: shrunk.parts[0].size };
      } else if (shrunk?.ok === true) {
        for (const part of shrunk.parts) await ctx.fs.remove(part.path).catch(() => undefined);
      }
    }
    if (merged.size > MAX_IMAGE_BYTES) {
      return refuse({
        ...reasonOf(
          msg('reason.batchTooLarge', {
            n: jobs.length,
            target: targetInSentence(target),
            size: megabytes(merged.size),
            kind: msg(`kind.${target.kind}`),
          }),
        ),
        retryable: false,
        code: 'batch-too-large',
      });
    }
    const unit: UploadUnit = {
      id: batchId,
      jobIds: jobs.map((j) => j.id),
      target,
      path: out,
      contentType: 'application/pdf',
      staged: true,
      size: merged.size,
    };
    const heldBy = this.sending.heldBy(jobs[0].root);
    const queued: (EngineJob | undefined)[] = [];
    for (const job of jobs)
      queued.push(await runner.dispatch(job, { type: 'queued', heldBy, batchId }));
    const waiting = (job: EngineJob) =>
      job.batchId === batchId && SENDABLE.has(job.phase ?? 'done');
    if (!queued.every((job) => job && waiting(job))) {
      // A member changed while the records before its own waited for a full disk: it is on its
      // way into a new window, and the others join it there, to go as one image again.
      await ctx.fs.remove(out).catch(() => undefined);
      await this.sendBack(queued, waiting);
      return;
    }
    this.sending.add(unit);
  }

  /** The members still in the batch look again, to form it anew with the one that moved on. */
  private async sendBack(
    members: (EngineJob | undefined)[],
    stillIn: (job: EngineJob) => boolean,
  ): Promise<void> {
    for (const job of members)
      if (job && stillIn(job)) await this.ctx.runner.dispatch(job, { type: 'changed' });
  }
}
