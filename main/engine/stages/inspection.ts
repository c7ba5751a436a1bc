import { CopiesInFlight } from '../copies.js';
import { errnoWords } from '../i18n/errno-words.js';
import { fixedMessage, msg, noteOf, reasonOf, type Message } from '../i18n/translate.js';
import { absolutePath } from '../finish/finish.js';
import {
  FileChangedError,
  inspectFile,
  judgeWhole,
  NotAFileError,
  type Inspection as Verdict,
  type Preparable,
} from '../inspect/inspect.js';
import type { EngineJob } from '../job-book.js';
import { errorCode, type EntryKind } from '../ports/file-system.js';
import { Limiter } from '../queue/limiter.js';
import { routeFile, targetKey } from '../routing/route.js';
import type { UploadTarget } from '../types.js';
import { Readiness, type ReadinessVerdict } from '../watch/readiness.js';
import type { StageContext } from './context.js';
import type { KeptBytes } from './kept-bytes.js';
import { fileMissing } from './missing-file.js';

/**
 * The `await-ready` and `inspect` effects: readiness watches a file until it
 * is still and complete; inspection routes it, checks its type and hashes it,
 * then tells the lifecycle what it found (fit to send, a duplicate, a copy of
 * one in flight, or refused with a coded reason).
 */

/** Entries and invoices take one image; files for them are merged. */
export function takesOneImage(target: UploadTarget | null): boolean {
  return target?.kind === 'entry' || target?.kind === 'invoice';
}

/** Why an entry that is not a file was skipped. */
function skippedText(kind: EntryKind | undefined): Message {
  const known = kind === 'dir' ? 'folder' : kind;
  return msg(
    `skipped.${known === 'folder' || known === 'pipe' || known === 'socket' || known === 'device' ? known : 'other'}`,
  );
}

/** Why a file cannot be read, in words. */
export const UNREADABLE_REASON =
  'Concur Drop may not read this file (permission denied, or another program keeps it open). Check its permissions; it is tried again at the next start or with Retry.';

export class Inspection {
  readonly readiness: Readiness;
  readonly copies = new CopiesInFlight();
  /** Files hashed at once: a big backlog at start is inspected a few at a time. */
  private readonly inspections = new Limiter(4);
  /**
   * What readiness's last look found, for small files it read whole: inspection takes it
   * instead of opening and reading the file a second time. The verdict of one version
   * (size, mtime); sending checks the file is still that version before it goes.
   */
  private readonly looks = new Map<string, { verdict: Verdict; whole: Buffer }>();

  constructor(
    private readonly ctx: StageContext,
    /** Says which uploads are held now, so a job fit to send waits held instead of queued. */
    private readonly heldBy: (root: string) => string | undefined,
    /**
     * The upload queue: `room()` resolves when it has room for more (a backlog is checked as it
     * is sent), and `kept` takes the bytes of a receipt read whole, for its upload.
     */
    private readonly sending: { room(): Promise<void>; readonly kept?: KeptBytes } = {
      room: async () => undefined,
    },
    /** Whether files can be prepared (converted, shrunk, split) here: not in the simulator's virtual files. */
    private readonly canPrepare = false,
  ) {
    const settings = ctx.settings();
    this.readiness = new Readiness({
      settleMs: settings.settleMs,
      maxWaitMs: settings.maxWaitMs,
      clock: ctx.clock,
      fs: ctx.fs,
      onVerdict: (id, verdict) => this.onVerdict(id, verdict),
      onError: (id, error) => ctx.log.warn('readiness check failed', { id, error }),
    });
  }

  awaitReady(job: EngineJob): void {
    this.readiness.track(job.id, absolutePath(job.root, job.relPath));
  }

  inspect(job: EngineJob): void {
    const work = this.inspections.run(async () => {
      await this.sending.room();
      await this.prepare(job.id);
    });
    void this.ctx.track(work).catch((err: unknown) => this.crashed(job.id, err));
  }

  leave(job: EngineJob): void {
    this.readiness.forget(job.id);
    this.looks.delete(job.id);
    this.sending.kept?.drop(job.id);
    this.copies.drop(job.id);
  }

  /** Copies that waited on `leader` decide now: a duplicate of it, or their own chance. */
  releaseCopies(leader: EngineJob): void {
    const { book, runner } = this.ctx;
    for (const id of this.copies.release(leader.id)) {
      const copy = book.live.get(id);
      if (!copy) continue;
      if (leader.state === 'uploaded' || leader.state === 'duplicate')
        void runner.dispatch(copy, {
          type: 'duplicate',
          imageId: leader.imageId,
          ...noteOf(msg('detail.sameContent', { name: leader.name })),
        });
      else void runner.dispatch(copy, { type: 'changed' });
    }
  }

  stop(): void {
    this.readiness.stop();
  }

  private onVerdict(id: string, verdict: ReadinessVerdict): void {
    const job = this.ctx.book.live.get(id);
    if (!job || this.ctx.stopping()) return;
    void this.ctx.track(this.judge(job, verdict)).catch((err: unknown) => this.crashed(id, err));
  }

  private async judge(job: EngineJob, verdict: ReadinessVerdict): Promise<void> {
    const { runner } = this.ctx;
    switch (verdict.kind) {
      case 'incomplete':
        await runner.dispatch(job, {
          type: 'incomplete',
          size: verdict.size,
          mtimeMs: verdict.mtimeMs,
        });
        return;
      case 'timed-out':
        await runner.dispatch(job, {
          type: 'timed-out',
          size: verdict.size,
          mtimeMs: verdict.mtimeMs,
          waitedMs: verdict.waitedMs,
        });
        return;
      case 'gone':
        return fileMissing(this.ctx, job);
      case 'not-a-file':
        await runner.dispatch(job, {
          type: 'refused',
          error: {
            ...reasonOf(verdict.link ? msg('fixed.symlink') : skippedText(verdict.entry)),
            retryable: false,
            code: verdict.link ? 'symlink' : 'not-a-file',
          },
          keepInPlace: true,
        });
        return;
      case 'unreadable':
        this.ctx.log.warn('a file cannot be read', { path: job.relPath, code: verdict.code });
        await runner.dispatch(job, {
          type: 'refused',
          error: {
            ...(verdict.unexpected
              ? reasonOf(msg('reason.cannotCheck', { why: errnoWords(verdict.code) }))
              : { reason: UNREADABLE_REASON }),
            retryable: true,
            code: 'unreadable',
          },
          keepInPlace: true,
          ...(verdict.size !== undefined &&
            verdict.mtimeMs !== undefined && {
              version: { size: verdict.size, mtimeMs: verdict.mtimeMs },
            }),
        });
        return;
      case 'ready':
        if (verdict.whole)
          this.looks.set(job.id, {
            verdict: judgeWhole(verdict.whole, verdict.mtimeMs, this.preparable()),
            whole: verdict.whole,
          });
        else this.looks.delete(job.id);
        await runner.dispatch(job, { type: 'ready', size: verdict.size, mtimeMs: verdict.mtimeMs });
    }
  }

  /** Route, inspect, dedupe, then say what was found. */
  private async prepare(id: string): Promise<void> {
    const { ctx } = this;
    const { book, runner } = ctx;
    const look = this.looks.get(id);
    this.looks.delete(id);
    const job = book.live.get(id);
    if (!job || job.phase !== 'inspecting' || ctx.stopping()) return;
    const folder = ctx.folderFor(job.root);
    if (!folder) return book.forget(job.id);
    const route = routeFile(job.relPath, folder);
    if (route.kind === 'ignore') {
      await runner.dispatch(job, {
        type: 'refused',
        error: {
          ...reasonOf(msg('reason.ignored', { why: route.whyText ?? fixedMessage(route.why) })),
          retryable: false,
          code: 'ignored',
        },
        keepInPlace: true,
      });
      return;
    }
    if (route.kind === 'invalid') {
      await runner.dispatch(job, {
        type: 'refused',
        error: { reason: route.reason, text: route.text, retryable: false, code: 'invalid-folder' },
      });
      return;
    }
    const target = route.target;
    let inspection = look?.verdict;
    try {
      inspection ??= await inspectFile(
        absolutePath(job.root, job.relPath),
        ctx.fs,
        this.preparable(),
      );
    } catch (err) {
      if (err instanceof FileChangedError) {
        await runner.dispatch(job, { type: 'changed' });
        return;
      }
      if (err instanceof NotAFileError)
        return this.judge(job, {
          kind: 'not-a-file',
          reason: err.what,
          link: err.kind === 'link',
          entry: err.kind,
        });
      const code = errorCode(err);
      if (code === 'ENOENT') return this.judge(job, { kind: 'gone' });
      if (code === 'EACCES' || code === 'EPERM' || code === 'EBUSY')
        return this.judge(job, { kind: 'unreadable', code });
      throw err;
    }
    if (!inspection.ok) {
      await runner.dispatch(job, {
        type: 'refused',
        error: {
          reason: inspection.reason,
          text: inspection.text,
          retryable: false,
          code: inspection.code,
        },
        // Sent without it, the rest would be the entry's one image and a fixed file could never join
        // (once the entry has its image, there is nothing to hold).
        holdsBatch: takesOneImage(target) && !book.imaged(targetKey(target)),
      });
      return;
    }
    const { sha256, size, mtimeMs } = inspection;
    const contentType = inspection.ok === true ? inspection.contentType : undefined;
    // A stack scanned as one PDF is split, or its blank pages dropped, before it goes.
    const stack =
      this.canPrepare &&
      contentType === 'application/pdf' &&
      (folder.blankPages === 'drop' || (target.kind === 'receipt' && folder.split !== 'none'));
    const from = inspection.ok === 'prepare' ? inspection.from : stack ? contentType : undefined;
    const key = targetKey(target);
    const original = book.findUploaded(sha256, key);
    if (original) {
      await runner.dispatch(job, {
        type: 'duplicate',
        imageId: original.imageId,
        ...noteOf(msg('detail.sameUploaded', { name: original.name })),
        found: { target, sha256, contentType, size, mtimeMs },
      });
      return;
    }
    const oneImage = takesOneImage(target);
    if (
      oneImage &&
      book.imaged(key) &&
      (job.mayHaveLanded === true || job.mayHaveLanded === sha256)
    ) {
      // Sent before a restart as part of the image Concur already holds for this entry.
      await runner.dispatch(job, {
        type: 'duplicate',
        detail: 'Concur already had it: an earlier attempt had landed',
        outcome: 'uploaded',
        found: { target, sha256, contentType, size, mtimeMs },
      });
      return;
    }
    const leader = this.copies.claim(`${sha256}|${key}`, job.id, (other) => book.live.has(other));
    const found = { target, sha256, contentType, size, mtimeMs };
    if (leader) {
      this.copies.park(`${sha256}|${key}`, job.id);
      await runner.dispatch(job, {
        type: 'parked',
        found,
        ...noteOf(msg('detail.sameWaiting', { name: book.get(leader)?.name })),
      });
      return;
    }
    if (from) {
      await runner.dispatch(job, { type: 'needs-preparing', found, from });
      return;
    }
    // Sent as it is, from the very bytes just judged (not when it goes merged or held for sign-in).
    if (look && !oneImage && inspection.ok === true)
      this.sending.kept?.keep(job.id, look.whole, { size, mtimeMs, sha256 });
    await runner.dispatch(job, {
      type: 'inspected',
      found,
      oneImage,
      heldBy: this.heldBy(job.root),
    });
  }

  private preparable(): Preparable {
    const settings = this.ctx.settings();
    return this.canPrepare ? { convert: settings.convert, shrink: settings.shrink } : {};
  }

  private crashed(id: string, err: unknown): void {
    const { ctx } = this;
    ctx.log.error('a job could not be handled', { id, error: err });
    if (ctx.stopping()) return;
    // Try again later rather than leave the job stuck: a locked file, a busy disk.
    ctx.clock.setTimeout(
      () => {
        const job = ctx.book.live.get(id);
        if (job && !ctx.stopping()) void ctx.runner.dispatch(job, { type: 'changed' });
      },
      Math.max(1000, ctx.settings().settleMs),
    );
  }
}
