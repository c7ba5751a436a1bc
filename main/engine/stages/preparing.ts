import { join } from 'node:path';
import { absolutePath } from '../finish/finish.js';
import { MAX_IMAGE_BYTES } from '../inspect/inspect.js';
import { msg } from '../i18n/translate.js';
import type { EngineJob } from '../job-book.js';
import type { PrepareRequest, PrepareResult, PreparedPart } from '../prepare/prepare-types.js';
import { PrepareCancelled } from '../prepare/run-in-worker.js';
import { Limiter } from '../queue/limiter.js';
import type { StageContext } from './context.js';
import { takesOneImage } from './inspection.js';

/**
 * The `prepare` effect (docs/architecture.md#preparing-scans): a file Concur
 * cannot take as it is (TIFF, HEIC, over 10 MB, a stack to split) is turned
 * into parts in a worker thread, staged in the data dir, and the lifecycle is
 * told what came of it. A job that leaves (its file changed, the engine
 * stops) has its worker terminated and its parts removed.
 */

/** Prepares one file in a worker; `signal` cancels it (the worker is terminated). */
export type Preparer = (request: PrepareRequest, signal?: AbortSignal) => Promise<PrepareResult>;

/** One decoded page of 60,000 × 60,000 is 10 GB: no scan comes near this (A3 at 1200 dpi is 0.3 G). */
const MAX_PIXELS = 400_000_000;

/** The request that shrinks a PDF (an entry's merged batch) to one file under the limit. */
export function shrinkRequest(path: string, outDir: string, outStem: string): PrepareRequest {
  return {
    path,
    from: 'application/pdf',
    outDir,
    outStem,
    maxBytes: MAX_IMAGE_BYTES,
    shrink: true,
    mayAppendParts: false,
    split: 'none',
    blankPages: 'keep',
    maxPixels: MAX_PIXELS,
  };
}

export class Preparing {
  private readonly running = new Map<string, AbortController>();
  /** One file at a time: the app shares the computer, and each page is big. */
  private readonly limiter = new Limiter(1);

  constructor(
    private readonly ctx: StageContext,
    private readonly run: Preparer,
    /** Says which uploads are held now, so a prepared job waits held instead of queued. */
    private readonly heldBy: () => string | undefined,
  ) {}

  prepare(job: EngineJob): void {
    this.running.get(job.id)?.abort();
    const controller = new AbortController();
    this.running.set(job.id, controller);
    const work = this.limiter.run(() => this.prepareOne(job.id, controller.signal));
    void this.ctx
      .track(work)
      .catch((err: unknown) => this.failed(job.id, err))
      .finally(() => {
        if (this.running.get(job.id) === controller) this.running.delete(job.id);
      });
  }

  /** The job left (changed, gone, failed, stopped): its worker stops and its parts go. */
  leave(job: EngineJob, before: EngineJob): void {
    this.running.get(job.id)?.abort();
    this.running.delete(job.id);
    // Parts no longer wanted: the job prepares anew, or it ended (a failed part takes the rest along).
    if (before.prepared && (before.prepared !== job.prepared || job.phase === 'done'))
      void this.removeParts(before.prepared);
  }

  stop(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }

  private async prepareOne(id: string, signal: AbortSignal): Promise<void> {
    const { ctx } = this;
    const job = ctx.book.live.get(id);
    if (!job || job.phase !== 'preparing' || !job.from || signal.aborted || ctx.stopping()) return;
    const folder = ctx.folderFor(job.root);
    const settings = ctx.settings();
    const receipt = job.target?.kind === 'receipt';
    let result: PrepareResult;
    try {
      result = await this.run(
        {
          path: absolutePath(job.root, job.relPath),
          from: job.from,
          outDir: join(ctx.dataDir, 'staging'),
          outStem: ctx.newId(),
          maxBytes: MAX_IMAGE_BYTES,
          shrink: settings.shrink,
          mayAppendParts: job.target?.kind === 'report',
          split: receipt ? (folder?.split ?? 'none') : 'none',
          blankPages: folder?.blankPages ?? 'keep',
          maxPixels: MAX_PIXELS,
        },
        signal,
      );
    } catch (err) {
      if (err instanceof PrepareCancelled) return;
      throw err;
    }
    if (!result.ok) {
      if (result.detail)
        ctx.log.warn('a file could not be converted', { path: job.relPath, detail: result.detail });
      await ctx.runner.dispatch(job, {
        type: 'refused',
        error: { reason: result.reason, text: result.text, retryable: false, code: result.code },
      });
      return;
    }
    if (signal.aborted || !(await this.stillSame(job))) {
      await this.removeParts(result.parts);
      if (!signal.aborted) await ctx.runner.dispatch(job, { type: 'changed' });
      return;
    }
    const after = await ctx.runner.dispatch(job, {
      type: 'prepared',
      parts: result.parts,
      note: result.note,
      noteText: result.noteText,
      oneImage: takesOneImage(job.target),
      heldBy: this.heldBy(),
    });
    // The job moved on meanwhile (changed, stopped): these parts are nobody's.
    if (after?.prepared !== result.parts) await this.removeParts(result.parts);
  }

  /** The file is still the version inspected: what was prepared is what it holds. */
  private async stillSame(job: EngineJob): Promise<boolean> {
    try {
      const st = await this.ctx.fs.lstat(absolutePath(job.root, job.relPath));
      return st.size === job.size && st.mtimeMs === job.mtimeMs;
    } catch {
      return false;
    }
  }

  private async removeParts(parts: PreparedPart[]): Promise<void> {
    for (const part of parts) await this.ctx.fs.remove(part.path).catch(() => undefined);
  }

  private failed(id: string, err: unknown): void {
    const { ctx } = this;
    ctx.log.error('a file could not be prepared', { id, error: err });
    const job = ctx.book.live.get(id);
    if (!job || job.phase !== 'preparing' || ctx.stopping()) return;
    const why = err instanceof Error ? err.message : String(err);
    void ctx.runner.dispatch(job, {
      type: 'refused',
      error: {
        reason: `The file could not be converted for Concur (${why}).`,
        text: msg('prep.failed'),
        retryable: false,
        code: 'convert-failed',
      },
    });
  }
}
