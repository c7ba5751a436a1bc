import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Core } from './core.js';
import { DELETED_REASON, completeJobs, failJobs, reasonOnly } from './finish/endings.js';
import { absolutePath, errorFilePath, moveFile } from './finish/finish.js';
import { FileChangedError, inspectFile, NotAFileError } from './inspect/inspect.js';
import type { EngineJob } from './job-book.js';
import { isFinal, pathKey } from './job-book.js';
import { describeTarget, routeFile, targetKey } from './routing/route.js';
import type { UploadTarget } from './types.js';
import type { ReadinessVerdict } from './watch/readiness.js';
import { handleLeftover } from './leftovers.js';
import { CopiesInFlight } from './copies.js';
import { Limiter } from './queue/limiter.js';
import { alreadyHasImage, mergeBatch } from './batch-merge.js';

/**
 * From a file seen in a root to an upload unit in the queue (DESIGN §3.1–3.4):
 * a job is recorded as soon as a file is seen; once ready it is routed,
 * inspected, checked against what was already uploaded, and either queued or
 * collected into its entry's/invoice's merge window.
 */

/** Entries and invoices take one image; files for them are merged. */
function takesOneImage(target: UploadTarget | null): boolean {
  return target?.kind === 'entry' || target?.kind === 'invoice';
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function duration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

export class Intake {
  /** Per-file chains keep a file's events in order while each awaits the ledger. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly copies = new CopiesInFlight();
  /** Files hashed at once: a big backlog at start is inspected a few at a time. */
  private readonly inspections = new Limiter(4);
  /** Jobs between "ready" and "queued" (inspection, dedupe): their own checks see a deletion. */
  private readonly preparing = new Set<string>();

  constructor(private readonly core: Core) {}

  /**
   * A regular file appeared or changed in a root. `missed`: found by re-listing rather than
   * reported by an event; a job that has the file already is then left alone.
   */
  onFile(root: string, relPath: string, options: { missed?: boolean } = {}): void {
    this.chain(root, relPath, () => this.seen(root, relPath, options.missed === true));
  }

  /** A file vanished from a root. */
  onUnlink(root: string, relPath: string): void {
    this.chain(root, relPath, () => this.unlinked(root, relPath));
  }

  /** Readiness said something about a job's file. */
  onVerdict(jobId: string, verdict: ReadinessVerdict): void {
    const job = this.core.book.live.get(jobId);
    if (!job || this.core.stopping) return;
    void this.core.track(this.judge(job, verdict)).catch((err: unknown) => this.crashed(job, err));
  }

  /** A job left unfinished by the last run: look at its file again from the start. */
  async resume(job: EngineJob): Promise<void> {
    const interrupted = job.state === 'uploading' || job.interrupted === true;
    const path = absolutePath(job.root, job.relPath);
    if (job.finalPath && !(await isFile(path)) && (await isFile(job.finalPath))) {
      // A Retry was cut short between its ledger write and putting the file back from Failed/.
      await moveFile(job.finalPath, path);
      await rm(errorFilePath(job.finalPath), { force: true });
    }
    await this.core.book.save(job, {
      state: 'waiting',
      detail: 'checking the file again after a restart',
      batchId: undefined,
      nextAttemptAt: undefined,
      interrupted: interrupted || undefined,
      finalPath: undefined,
    });
    this.core.readiness.track(job.id, path);
  }

  /** Starts (or restarts) readiness for a live job, e.g. after Retry. */
  recheck(job: EngineJob): void {
    this.core.readiness.track(job.id, absolutePath(job.root, job.relPath));
  }

  /** The merge window of `key` may close only when no file for it is still being written. */
  canClose(key: string): boolean {
    for (const job of this.core.book.live.values()) {
      if (job.target && targetKey(job.target) === key && this.core.readiness.has(job.id))
        return false;
    }
    return true;
  }

  /** A job ended: copies of the same content that waited on it are settled too. */
  settled(jobId: string): void {
    const jobs = this.copies
      .release(jobId)
      .map((id) => this.core.book.live.get(id))
      .filter((j): j is EngineJob => j !== undefined);
    const leader = this.core.book.get(jobId);
    if (!jobs.length || !leader) return;
    if (leader.state !== 'uploaded' && leader.state !== 'duplicate') {
      for (const job of jobs) this.recheck(job); // it failed: the copies get their own chance
      return;
    }
    const work = completeJobs(
      this.core,
      jobs,
      'duplicate',
      leader.imageId,
      `same content as "${leader.name}"`,
    );
    void this.core
      .track(work)
      .catch((err: unknown) => this.core.log.error('parked copies', { error: err }));
  }

  /** Called by the merge window when it closes. */
  closeBatch(key: string, jobIds: string[]): void {
    void this.core
      .track(mergeBatch(this.core, key, jobIds))
      .catch((err: unknown) => this.core.log.error('batch failed', { key, error: err }));
  }

  /** Forgets a job that will not go on (deleted, removed root): out of every waiting place. */
  drop(jobId: string): void {
    this.core.readiness.forget(jobId);
    this.core.batches.remove(jobId);
    this.copies.drop(jobId);
  }

  private chain(root: string, relPath: string, step: () => Promise<void>): void {
    const key = pathKey(root, relPath);
    const next = (this.chains.get(key) ?? Promise.resolve()).then(step).catch((err: unknown) => {
      this.core.log.error('handling a file event failed', { path: relPath, error: err });
    });
    this.chains.set(key, next);
    void this.core.track(next).then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async seen(root: string, relPath: string, missed = false): Promise<void> {
    const { book, readiness } = this.core;
    if (this.core.stopping) return;
    const live = book.atPath(root, relPath);
    if (live && missed) return;
    if (live) {
      // A change while it is tracked, or a job waiting on a root that was away: look (again).
      // A job being inspected or already collected is not disturbed by a late change event.
      const idle =
        live.state === 'waiting' &&
        !live.sha256 &&
        !this.preparing.has(live.id) &&
        !this.core.batches.holds(live.id);
      if (readiness.has(live.id) || idle) readiness.track(live.id, absolutePath(root, relPath));
      return;
    }
    const folder = this.core.folderFor(root);
    if (!folder) return;
    const route = routeFile(relPath, folder);
    if (route.kind === 'ignore') return;
    let st;
    try {
      st = await stat(absolutePath(root, relPath));
    } catch {
      return; // gone again before we looked; nothing to do
    }
    // A file this ledger already finished may still be that job's (a restart's catch-up):
    // see handleLeftover.
    const last = book.lastAtPath(root, relPath);
    if (last && !isFinal(last.state)) return this.resume(last); // unfinished, its root was away
    if (last && last.size === st.size && last.mtimeMs === st.mtimeMs) {
      if (await handleLeftover(this.core, last)) return;
    }
    const now = this.core.clock.now();
    const target = route.kind === 'target' ? route.target : null;
    const job: EngineJob = {
      id: randomUUID(),
      root,
      relPath,
      name: basename(relPath),
      target,
      state: 'waiting',
      detail: 'checking the file',
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    await book.save(job, {});
    readiness.track(job.id, absolutePath(root, relPath));
    if (target && takesOneImage(target)) this.core.batches.touch(targetKey(target));
  }

  private async unlinked(root: string, relPath: string): Promise<void> {
    const job = this.core.book.atPath(root, relPath);
    if (!job || job.state === 'uploading' || this.preparing.has(job.id) || this.core.stopping)
      return;
    if (this.core.readiness.has(job.id)) {
      this.core.readiness.track(job.id, absolutePath(root, relPath)); // it finds the file gone
      return;
    }
    // A file already merged into a batch's PDF goes up with it; anything else ends here.
    const inUnit = this.core.queue.items().find((u) => u.jobIds.includes(job.id));
    if (inUnit && inUnit.jobIds.length > 1) return;
    try {
      await stat(absolutePath(root, relPath));
      return; // back already (a rename over it)
    } catch {
      // gone
    }
    if (inUnit) this.core.queue.remove((u) => u === inUnit);
    await this.gone(job);
  }

  private async gone(job: EngineJob): Promise<void> {
    if (!(await this.core.rootReachable(job.root))) {
      // Not deleted: the whole folder went away (a share dropped). Its catch-up brings the file back.
      this.drop(job.id);
      await this.core.book.save(job, { detail: 'the folder cannot be reached right now' });
      return;
    }
    this.drop(job.id);
    await failJobs(this.core, [job], reasonOnly(DELETED_REASON), { move: false });
  }

  private async judge(job: EngineJob, verdict: ReadinessVerdict): Promise<void> {
    switch (verdict.kind) {
      case 'incomplete':
        await this.core.book.save(job, { detail: 'waiting for the scanner', size: verdict.size });
        return;
      case 'timed-out':
        await failJobs(
          this.core,
          [job],
          reasonOnly(
            `Waited ${duration(verdict.waitedMs)} for the scanner, but the file is still incomplete (cut off before its end).`,
          ),
        );
        return;
      case 'gone':
        await this.gone(job);
        return;
      case 'not-a-file':
        this.core.notice('warn', `Skipped "${job.relPath}": it is ${verdict.reason}.`, job.relPath);
        await failJobs(this.core, [job], reasonOnly(`This is ${verdict.reason}; it was skipped.`), {
          move: false,
        });
        return;
      case 'ready':
        this.preparing.add(job.id);
        try {
          await this.inspections.run(() => this.prepare(job, verdict.size, verdict.mtimeMs));
        } finally {
          this.preparing.delete(job.id);
        }
    }
  }

  /** Route, inspect, dedupe, then queue or collect for a merge. */
  private async prepare(job: EngineJob, size: number, mtimeMs: number): Promise<void> {
    const { core } = this;
    const folder = core.folderFor(job.root);
    if (!folder) return core.book.forget(job.id);
    const route = routeFile(job.relPath, folder);
    if (route.kind === 'ignore') {
      return failJobs(core, [job], reasonOnly(`Not uploaded: ${route.why}.`), { move: false });
    }
    if (route.kind === 'invalid') return failJobs(core, [job], reasonOnly(route.reason));
    const target = route.target;
    const path = absolutePath(job.root, job.relPath);
    let inspection;
    try {
      inspection = await inspectFile(path);
    } catch (err) {
      if (err instanceof FileChangedError) return this.recheck(job);
      if (err instanceof NotAFileError)
        return this.judge(job, { kind: 'not-a-file', reason: err.what });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.gone(job);
      throw err;
    }
    if (!inspection.ok) {
      await core.book.save(job, { target, size, mtimeMs });
      return failJobs(core, [job], reasonOnly(inspection.reason));
    }
    const { sha256, contentType } = inspection;
    await core.book.save(job, { target, size, mtimeMs, sha256, contentType, detail: undefined });
    const key = targetKey(target);
    const original = core.book.findUploaded(sha256, key);
    if (original) {
      return completeJobs(
        core,
        [job],
        'duplicate',
        original.imageId,
        `same content as "${original.name}", already uploaded`,
      );
    }
    const dkey = `${sha256}|${key}`;
    const leader = this.copies.claim(dkey, job.id, (id) => core.book.live.has(id));
    if (leader) {
      this.copies.park(dkey, job.id);
      await core.book.save(job, {
        state: 'queued',
        detail: `same content as "${core.book.get(leader)?.name}": waiting for its upload`,
      });
      return;
    }
    if (!takesOneImage(target)) {
      return core.enqueue({
        id: randomUUID(),
        jobIds: [job.id],
        target,
        path,
        contentType,
        staged: false,
      });
    }
    if (core.book.imaged.has(key)) return failJobs(core, [job], alreadyHasImage(target));
    await core.book.save(job, {
      detail: `collecting files for ${describeTarget(target)}: they become one PDF`,
    });
    core.batches.add(key, job.id);
  }

  private crashed(job: EngineJob, err: unknown): void {
    this.core.log.error('a job could not be handled', { path: job.relPath, error: err });
    if (this.core.stopping) return;
    // Try again later rather than leave the job stuck: a locked file, a busy disk.
    this.core.clock.setTimeout(
      () => {
        if (this.core.book.live.get(job.id) === job && !this.core.stopping) this.recheck(job);
      },
      Math.max(1000, this.core.settings.settleMs),
    );
  }
}
