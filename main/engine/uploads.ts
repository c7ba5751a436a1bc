import { rm, stat } from 'node:fs/promises';
import type { UploadOutcome } from './concur/concur-client.js';
import type { Core, UploadUnit } from './core.js';
import { DELETED_REASON, completeJobs, failJobs, reasonOnly } from './finish/endings.js';
import { alreadyHasImage } from './batch-merge.js';
import { absolutePath } from './finish/finish.js';
import type { EngineJob } from './job-book.js';
import { describeRetry, retryDelay } from './queue/backoff.js';
import { describeTarget } from './routing/route.js';
import type { JobError, UploadTarget } from './types.js';

/**
 * One upload attempt of a unit and what its answer means (DESIGN §3.5–3.6):
 * the jobs are marked uploading in the ledger before the request goes out;
 * transient trouble backs off and tries again up to `tries` times; a refused
 * token holds every upload without failing anything; Concur's "already has
 * an image" is success only when an earlier attempt may have landed.
 */

/** Progress is announced at most this often per upload (the UI needs a few per second). */
const PROGRESS_EVERY_MS = 250;

function concurFields(
  o: Exclude<UploadOutcome, { kind: 'uploaded' | 'changed' }>,
): Omit<JobError, 'reason' | 'retryable'> {
  return {
    message: o.message,
    status: o.status,
    errorId: o.errorId,
    correlationId: o.correlationId,
  };
}

/** Names a target with its kind and full id: `report "Trip" (id NOPE1)`, `entry ENT42`. */
function targetWithId(target: Exclude<UploadTarget, { kind: 'receipt' }>): string {
  const label = target.label && target.label !== target.id ? target.label : undefined;
  return label ? `${target.kind} "${label}" (id ${target.id})` : `${target.kind} ${target.id}`;
}

/** Concur's own words, on one line and not too long for a status row. */
function concurSaid(message: string | undefined): string {
  const text = (message ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

export function rejectedReason(status: number, target: UploadTarget, message?: string): string {
  const said = concurSaid(message);
  const tail = said ? `: ${said}` : '.';
  if (target.kind === 'receipt')
    return `Concur refused the file for the receipt store (HTTP ${status})${tail}`;
  if (status === 404)
    return `Concur does not know ${targetWithId(target)} (HTTP 404): check the id in the folder's name.`;
  return `Concur refused the file for ${targetWithId(target)} (HTTP ${status})${tail}`;
}

export class Uploads {
  private readonly controllers = new Map<string, AbortController>();
  /** Units with an attempt that got no answer (dropped, timed out): it may have landed. */
  private readonly unanswered = new Set<string>();

  constructor(private readonly core: Core) {}

  /** Abandons uploads in flight (stop): their ledger state stays 'uploading' for the next start. */
  abortAll(): void {
    for (const c of this.controllers.values()) c.abort();
  }

  /** The queue's worker. */
  async run(unit: UploadUnit): Promise<void> {
    const { core } = this;
    if (core.stopping) return;
    const jobs = unit.jobIds
      .map((id) => core.book.live.get(id))
      .filter(
        (j): j is EngineJob => j !== undefined && (j.state === 'queued' || j.state === 'paused'),
      );
    if (!jobs.length) return this.cleanup(unit);
    if (!unit.staged && !(await this.fileStillThere(unit, jobs))) return;
    if (!unit.staged && (await this.replacedWhileQueued(unit, jobs))) return;
    if (unit.staged && (await this.memberChangedSinceMerge(unit, jobs))) return;

    const attempt = Math.max(...jobs.map((j) => j.attempts)) + 1;
    const what = describeTarget(unit.target);
    for (const job of jobs) {
      await core.book.save(job, {
        state: 'uploading',
        attempts: attempt,
        detail: `uploading to ${what}`,
        nextAttemptAt: undefined,
        progress: 0,
      });
    }
    const controller = new AbortController();
    this.controllers.set(unit.id, controller);
    let lastProgress = 0;
    let outcome: UploadOutcome;
    try {
      outcome = await core.client.uploadImage(unit.target, unit.path, {
        contentType: unit.contentType,
        signal: controller.signal,
        onProgress: (fraction) => {
          const now = core.clock.now();
          if (fraction < 1 && now - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = now;
          for (const job of jobs) if (job.state === 'uploading') core.book.progress(job, fraction);
        },
      });
    } catch (err) {
      // The client answers with outcomes; a throw is a local problem (file unreadable): try again later.
      outcome = { kind: 'transient', message: err instanceof Error ? err.message : String(err) };
    } finally {
      this.controllers.delete(unit.id);
    }
    if (core.stopping) return; // the ledger still says 'uploading': the next start repeats it
    await this.answer(unit, jobs, attempt, outcome);
  }

  private async answer(
    unit: UploadUnit,
    jobs: EngineJob[],
    attempt: number,
    outcome: UploadOutcome,
  ): Promise<void> {
    const { core } = this;
    switch (outcome.kind) {
      case 'uploaded': {
        // Concur has it: the upload slot is free now. Recording it and moving the file go on
        // beside the next upload (a crash before the record only repeats this upload).
        const done = completeJobs(core, jobs, 'uploaded', outcome.imageId).then(() =>
          this.cleanup(unit),
        );
        void core.track(done).catch((error: unknown) => core.log.error('finishing', { error }));
        return;
      }
      case 'alreadyHasImage':
        if (jobs.some((j) => j.interrupted) || this.unanswered.has(unit.id)) {
          // Our own earlier attempt landed, its answer was lost (a crash, a dropped connection).
          await completeJobs(
            core,
            jobs,
            'uploaded',
            undefined,
            'Concur already had it: an earlier attempt had landed',
          );
        } else {
          await failJobs(core, jobs, alreadyHasImage(unit.target, concurFields(outcome)));
        }
        return this.cleanup(unit);
      case 'auth':
        core.pauseForSignIn(outcome.message);
        // The attempt does not count: a refused token is not the file's fault.
        for (const job of jobs) await core.book.save(job, { attempts: attempt - 1 });
        return core.enqueue(unit);
      case 'rejected':
        await failJobs(core, jobs, {
          reason: rejectedReason(outcome.status, unit.target, outcome.message),
          ...concurFields(outcome),
          retryable: false,
        });
        return this.cleanup(unit);
      case 'transient': {
        if (outcome.status === undefined) this.unanswered.add(unit.id);
        const { tries } = core.retry;
        if (attempt >= tries) {
          await failJobs(core, jobs, {
            reason: `Concur could not take the file after ${tries} attempts: ${outcome.message}`,
            ...concurFields(outcome),
            retryable: true,
          });
          return this.cleanup(unit);
        }
        const delay = retryDelay(attempt, core.retry, outcome.retryAfterMs);
        core.log.info('upload will be retried', {
          unit: unit.id,
          attempt,
          delay,
          status: outcome.status,
        });
        return core.enqueue(
          unit,
          core.clock.now() + delay,
          describeRetry(delay, attempt + 1, tries),
        );
      }
    }
  }

  /** A file deleted while queued ends here; a vanished root (unplugged share) is waited for instead. */
  private async fileStillThere(unit: UploadUnit, jobs: EngineJob[]): Promise<boolean> {
    try {
      if ((await stat(unit.path)).isFile()) return true;
    } catch {
      // missing
    }
    const { core } = this;
    if (await core.rootReachable(jobs[0].root)) {
      await failJobs(core, jobs, reasonOnly(DELETED_REASON), { move: false });
    } else {
      const delay = Math.max(5000, core.retry.baseMs);
      await core.enqueue(unit, core.clock.now() + delay, 'the folder cannot be reached right now');
    }
    return false;
  }

  /**
   * A file replaced (or rewritten) under the same name after it was inspected — a scanner
   * renaming a new scan over a queued one — would otherwise go up unchecked while the ledger
   * records the old content's hash, so the old scan, never sent, would later count as a
   * duplicate. Size or mtime differing from what was inspected sends the job back to readiness.
   */
  private async replacedWhileQueued(unit: UploadUnit, jobs: EngineJob[]): Promise<boolean> {
    let st;
    try {
      st = await stat(unit.path);
    } catch {
      return false; // fileStillThere just saw it; a vanishing now fails the upload's read
    }
    const changed = jobs.some(
      (j) => j.size !== undefined && (j.size !== st.size || j.mtimeMs !== st.mtimeMs),
    );
    if (!changed) return false;
    await this.recheck(jobs, 'the file changed before its upload: checking it again');
    return true;
  }

  /**
   * A merged batch is sent as the PDF built from its members as they were inspected. A member
   * edited since (size or mtime differ) would go up in its old form while the new file is
   * moved to Uploaded/; instead nothing is sent, the staged PDF is dropped and every member
   * goes back through readiness, so the batch is merged again from the files as they are now.
   * A member deleted meanwhile still goes up inside the PDF, as before.
   */
  private async memberChangedSinceMerge(unit: UploadUnit, jobs: EngineJob[]): Promise<boolean> {
    const { core } = this;
    let changed = false;
    for (const job of jobs) {
      try {
        const st = await stat(absolutePath(job.root, job.relPath));
        if (job.size !== undefined && (job.size !== st.size || job.mtimeMs !== st.mtimeMs)) {
          changed = true;
          break;
        }
      } catch {
        // gone: the merged PDF still holds it
      }
    }
    if (!changed || core.stopping) return false;
    await this.cleanup(unit);
    await this.recheck(jobs, 'a file of the batch changed before its upload: merging it again', {
      batchId: undefined,
    });
    return true;
  }

  /** Sends jobs whose inspected content no longer holds back through readiness. */
  private async recheck(
    jobs: EngineJob[],
    detail: string,
    patch: Partial<EngineJob> = {},
  ): Promise<void> {
    const { core } = this;
    for (const job of jobs) {
      await core.book.save(job, {
        state: 'waiting',
        detail,
        sha256: undefined,
        contentType: undefined,
        nextAttemptAt: undefined,
        ...patch,
      });
    }
    for (const job of jobs) {
      core.settled(job.id); // copies parked on the old content look again on their own
      core.readiness.track(job.id, absolutePath(job.root, job.relPath));
    }
  }

  private async cleanup(unit: UploadUnit): Promise<void> {
    this.unanswered.delete(unit.id);
    if (unit.staged) await rm(unit.path, { force: true });
  }
}
