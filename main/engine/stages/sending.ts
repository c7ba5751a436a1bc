import type { UploadOutcome } from '../concur/concur-client.js';
import { absolutePath } from '../finish/finish.js';
import { sha256File } from '../inspect/inspect.js';
import type { EngineJob } from '../job-book.js';
import { errorCode } from '../ports/file-system.js';
import { msg, noteOf, targetInSentence } from '../i18n/translate.js';
import { Limiter } from '../queue/limiter.js';
import { UploadQueue } from '../queue/upload-queue.js';
import { SENDABLE } from '../lifecycle/phase.js';
import { answerReasons } from './answer-reasons.js';
import { targetKey } from '../routing/route.js';
import type { ContentType, SentVersion, UploadTarget } from '../types.js';
import type { StageContext } from './context.js';
import { KeptBytes } from './kept-bytes.js';
import { fileMissing } from './missing-file.js';
import { VersionLook } from './version-look.js';

/**
 * The `enqueue` effect: upload units wait for a slot (or their backoff), and
 * each attempt checks the file is still the version inspected, tells the
 * lifecycle `sending` (recorded before a byte goes out), streams it with the
 * expected size and hash (the client cuts the body short if they differ) and
 * reports Concur's answer.
 */

/** One upload: a file, or the merged PDF of a batch, for one target. */
export interface UploadUnit {
  id: string;
  jobIds: string[];
  target: UploadTarget;
  /** Absolute path of what is sent. */
  path: string;
  contentType: ContentType;
  /** True when `path` is a merged PDF in the staging folder (deleted after). */
  staged: boolean;
  size?: number;
  /** One of several parts of a file (a split stack, a report file sent in parts): named in reasons. */
  part?: { index: number; of: number; pages: number[] };
}

/** The unit a job goes in: its batch's, its current part's, or its own. */
function unitIdOf(job: EngineJob): string {
  if (job.batchId) return job.batchId;
  return job.prepared && job.prepared.length > 1 ? `${job.id}#${job.partsSent ?? 0}` : job.id;
}

/** Progress is announced at most this often per upload (the UI needs a few per second). */
const PROGRESS_EVERY_MS = 250;

/** Uploads waiting for a slot beyond which inspection waits: a few rounds of work for the slots. */
const AHEAD = 64;

/**
 * Attempts per upload slot: while one upload is on the wire, the next ones
 * are checked and recorded as going out, so the ledger's fsync is not paid
 * between two uploads. Two per slot left the connection with nothing ready
 * at half of its answers in a backlog (the record waits for a sync, which
 * takes longer than an upload); four leave it waiting at about one in a
 * hundred.
 */
const LOOKAHEAD = 4;

export class Sending {
  readonly queue: UploadQueue<UploadUnit>;
  /** Receipts' bytes from inspection, sent instead of reading the file again. */
  readonly kept = new KeptBytes();
  /** Units by id: a batch's members find their unit again when it is re-queued. */
  private readonly units = new Map<string, UploadUnit>();
  private readonly controllers = new Map<string, AbortController>();
  /** Units waiting in the queue (ready or delayed), so a batch is queued once however many members ask. */
  private readonly waiting = new Set<string>();
  /** Inspections waiting for the queue to have room (see room()). */
  private readonly roomWaiters: (() => void)[] = [];
  /** Units in an attempt, from its checks until its answer is recorded. */
  private readonly attempting = new Set<string>();
  /** Units asked for again during their attempt, with when they may go. */
  private readonly deferred = new Map<string, number | undefined>();
  private held: string | undefined;
  /** Requests on the wire: the `concurrency` setting. The queue runs more attempts, to record them ahead. */
  private readonly wire: Limiter;
  /** Answered attempts whose answer is still being recorded. */
  private recording = 0;
  /** Accounts waiting for sign-in, with the detail their jobs show. */
  private readonly heldAccounts = new Map<string, string>();
  /** Units of those accounts, set aside until their account is signed in again. */
  private readonly parked = new Map<string, UploadUnit>();

  constructor(private readonly ctx: StageContext) {
    const { concurrency } = ctx.settings();
    this.wire = new Limiter(concurrency);
    this.queue = new UploadQueue<UploadUnit>({
      concurrency: concurrency * LOOKAHEAD,
      clock: ctx.clock,
      run: (unit) => this.attempt(unit),
    });
  }

  setConcurrency(concurrency: number): void {
    this.wire.setMax(concurrency);
    this.queue.setConcurrency(concurrency * LOOKAHEAD);
  }

  /** Why uploads (of `root`'s account, when named) are held now: the detail a held job shows. */
  heldBy(root?: string): string | undefined {
    return (
      this.held ??
      (root === undefined ? undefined : this.heldAccounts.get(this.ctx.accountOf(root)))
    );
  }

  /** One account waits for sign-in: its units are set aside as they come up; the others go on. */
  holdAccount(account: string, detail: string): void {
    this.heldAccounts.set(account, detail);
  }

  releaseAccount(account: string): void {
    if (!this.heldAccounts.delete(account)) return;
    for (const unit of [...this.parked.values()]) {
      if (this.accountOfUnit(unit) !== account) continue;
      this.parked.delete(unit.id);
      if (this.units.has(unit.id)) this.add(unit);
    }
  }

  private accountOfUnit(unit: UploadUnit): string {
    const job = unit.jobIds.map((id) => this.ctx.book.live.get(id)).find((j) => j !== undefined);
    return this.ctx.accountOf(job?.root ?? '');
  }

  hold(detail: string): void {
    this.held = detail;
    this.queue.pause();
    this.roomMade();
  }

  release(): void {
    this.held = undefined;
    this.queue.resume();
  }

  /**
   * Resolves once fewer than AHEAD uploads wait for a slot (or uploads are
   * held: then nothing drains, and what comes may as well be checked and wait
   * held). Inspection asks before it takes a file, so a backlog of thousands
   * is checked about as fast as it is sent, not all at once: memory stays flat.
   */
  room(): Promise<void> {
    if (this.waiting.size < AHEAD || this.held !== undefined || this.ctx.stopping())
      return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private roomMade(): void {
    while (this.roomWaiters.length && (this.waiting.size < AHEAD || this.held !== undefined))
      this.roomWaiters.shift()!();
  }

  /** The `enqueue` effect for one job: its batch's unit, or a unit of its own. */
  enqueue(job: EngineJob, notBefore?: number): void {
    const unitId = unitIdOf(job);
    let unit = this.units.get(unitId);
    if (!unit) {
      if (job.batchId || !job.target || !job.contentType) return;
      const index = job.partsSent ?? 0;
      const prepared = job.prepared?.[index];
      unit = {
        id: unitId,
        jobIds: [job.id],
        target: job.target,
        path: prepared?.path ?? absolutePath(job.root, job.relPath),
        contentType: prepared?.contentType ?? job.contentType,
        staged: prepared !== undefined,
        ...(job.prepared &&
          job.prepared.length > 1 &&
          prepared && { part: { index, of: job.prepared.length, pages: prepared.pages } }),
      };
    }
    this.add(unit, notBefore);
  }

  /** Queues a unit once (a batch's members each ask for it). */
  add(unit: UploadUnit, notBefore?: number): void {
    if (this.attempting.has(unit.id)) {
      // A member answered while the others' answers are still being written: queued once all are.
      if (!this.deferred.has(unit.id)) this.deferred.set(unit.id, notBefore);
      return;
    }
    if (this.waiting.has(unit.id)) return;
    this.waiting.add(unit.id);
    this.units.set(unit.id, unit);
    this.queue.add(unit, notBefore);
  }

  hasUnitFor(key: string): boolean {
    for (const unit of this.units.values()) if (targetKey(unit.target) === key) return true;
    return false;
  }

  /** Whether the unit with this id (a batch's id) waits or goes here. */
  hasUnit(id: string): boolean {
    return this.units.has(id);
  }

  /**
   * A job leaves while its unit waits: its unit leaves the queue. A batch
   * member leaving (edited after the merge) takes the whole batch back: the
   * other members look again and are merged anew with the file as it is now.
   */
  leave(job: EngineJob, batchId: string | undefined): void {
    const unit = this.units.get(batchId ?? unitIdOf(job));
    if (!unit || this.attempting.has(unit.id)) return;
    void this.forget(unit);
    for (const id of unit.jobIds) {
      const member = id === job.id ? undefined : this.ctx.book.live.get(id);
      if (member) void this.ctx.runner.dispatch(member, { type: 'changed' });
    }
  }

  /** Abandons uploads in flight (stop): their ledger phase stays `uploading` for the next start. */
  stop(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    this.queue.stop();
    for (const c of this.controllers.values()) c.abort();
  }

  /** Uploads holding a slot or, answered, still recording their answer (stop and idle wait for them). */
  get busy(): number {
    return this.queue.running + this.recording;
  }

  /**
   * One attempt. Its slot is freed as soon as Concur has answered: the slots
   * bound requests on the wire, and recording the answer (an fsync) need not
   * keep the next upload waiting. The unit stays `attempting` until it is
   * recorded, so it is not queued again meanwhile.
   */
  private attempt(unit: UploadUnit): Promise<void> {
    this.attempting.add(unit.id);
    let freeSlot!: () => void;
    const slotFreed = new Promise<void>((resolve) => (freeSlot = resolve));
    let answered = false;
    const whole = this.attemptOnce(unit, () => {
      answered = true;
      this.recording++;
      freeSlot();
    }).finally(() => {
      if (answered) this.recording--;
      this.attempting.delete(unit.id);
      const later = this.deferred.get(unit.id);
      const again = this.deferred.delete(unit.id) && this.units.has(unit.id);
      if (again && !this.ctx.stopping()) this.add(unit, later);
    });
    // Past the answer the queue no longer waits on `whole`: its errors are logged here.
    whole.catch((error: unknown) => {
      if (answered) this.ctx.log.error('recording an answer from Concur failed', { error });
    });
    return Promise.race([slotFreed, whole]);
  }

  private async attemptOnce(unit: UploadUnit, answered: () => void): Promise<void> {
    this.waiting.delete(unit.id);
    this.roomMade();
    if (this.ctx.stopping()) return;
    // An entry or invoice takes one image: its `sending` record must mean the bytes went out
    // (a restart reads it as "our upload may have landed"), so it takes the wire before its
    // checks, and nothing can change between them and the request.
    // Other targets are checked and recorded while earlier uploads are on the wire.
    const oneImage = unit.target.kind === 'entry' || unit.target.kind === 'invoice';
    const wire = oneImage ? await this.wire.acquire() : undefined;
    try {
      await this.checkAndSend(unit, answered, wire);
    } finally {
      wire?.();
    }
  }

  private async checkAndSend(
    unit: UploadUnit,
    answered: () => void,
    heldWire: (() => void) | undefined,
  ): Promise<void> {
    const { ctx } = this;
    const { book, runner } = ctx;
    if (ctx.stopping()) return;
    const members = unit.jobIds
      .map((id) => book.live.get(id))
      .filter((j): j is EngineJob => j !== undefined);
    const jobs = members.filter((j) => j.phase !== undefined && SENDABLE.has(j.phase));
    if (!jobs.length) return this.forget(unit);
    if (jobs.length < members.length) {
      // A member went back to be checked again (edited after the merge): the batch is merged anew.
      await this.forget(unit);
      for (const job of jobs) await runner.dispatch(job, { type: 'changed' });
      return;
    }
    const heldFor = this.heldAccounts.get(ctx.accountOf(jobs[0].root));
    if (heldFor !== undefined) {
      this.parked.set(unit.id, unit);
      for (const job of jobs)
        if (job.phase !== 'held') await runner.dispatch(job, { type: 'held', detail: heldFor });
      return;
    }
    let wire = heldWire;
    let outcome: UploadOutcome;
    let attempt: number;
    try {
      if (ctx.stopping()) return;
      // A receipt going from kept bytes is looked at beside its request (see keptFor): a look
      // before it as well would only repeat that one.
      const sent = this.keptVersion(unit, jobs) ?? (await this.versionToSend(unit, jobs));
      if (!sent) return;

      attempt = Math.max(...jobs.map((j) => j.attempts)) + 1;
      if (!(await this.recordGoing(unit, jobs, attempt, !wire))) return;
      let look: VersionLook | undefined;
      if (!wire) {
        look = this.lookAt(unit, jobs, sent);
        wire = await this.wire.acquire();
        if (ctx.stopping()) return; // recorded as going out: the next start sends it
        const heldNow = this.heldBy(jobs[0].root);
        if (heldNow !== undefined) {
          // Paused while it waited for the wire: it waits like the rest
          // (queued again once this attempt ends, see attempt()).
          for (const job of jobs)
            await runner.dispatch(job, { type: 'held-back', detail: heldNow });
          return;
        }
        // Not waited for: nothing depends on it being durable, and the answer is recorded after it.
        const { detail, detailText } = uploadingTo(unit);
        for (const job of jobs) void runner.dispatch(job, { type: 'on-wire', detail, detailText });
      }
      outcome = await this.upload(unit, jobs, sent, look);
    } finally {
      // Given back as soon as Concur answered (giving it back twice is harmless).
      wire?.();
    }
    if (ctx.stopping()) return; // the ledger still says `uploading`: the next start repeats it
    const reasons = answerReasons(ctx, unit, outcome, attempt);
    const recorded = jobs.map((job) =>
      runner.dispatch(job, { type: 'answered', outcome, reasons }),
    );
    answered();
    await Promise.all(recorded);
    // Still to be sent (waiting out a backoff or a hold, or already released from one while
    // the answer was being written): the unit stays for its next attempt.
    const again = unit.jobIds.some((id) => SENDABLE.has(book.live.get(id)?.phase ?? 'done'));
    if (!again) await this.forget(unit);
  }

  /**
   * Records each job as going out with its own file's version (a batch
   * member's, not the merged PDF's): finishing moves exactly that version.
   * False when a member moved on while the records were written (edited,
   * gone): then nothing goes, and the rest are looked at again, to be merged
   * anew with the file as it is now.
   */
  private async recordGoing(
    unit: UploadUnit,
    jobs: EngineJob[],
    attempt: number,
    ahead: boolean,
  ): Promise<boolean> {
    const { ctx } = this;
    const { runner } = ctx;
    const { detail, detailText } = uploadingTo(unit);
    const going: EngineJob[] = [];
    for (const job of jobs) {
      const recorded = await runner.dispatch(job, {
        type: 'sending',
        attempt,
        sent: { size: job.size!, mtimeMs: job.mtimeMs!, sha256: job.sha256! },
        detail,
        detailText,
        ahead,
      });
      if (recorded?.phase !== 'uploading' && recorded?.phase !== 'outgoing') {
        await this.forget(unit);
        const cut = { kind: 'changed', message: 'a batch-mate changed' } as const;
        for (const member of going)
          await runner.dispatch(member, {
            type: 'answered',
            outcome: cut,
            reasons: answerReasons(ctx, unit, cut, attempt),
          });
        for (const member of jobs.slice(jobs.indexOf(job) + 1))
          await runner.dispatch(member, { type: 'changed' });
        return false;
      }
      going.push(job);
    }
    return true;
  }

  /** The request itself, cancellable by stop(); a throw is a local problem (file unreadable), tried again later. */
  private async upload(
    unit: UploadUnit,
    jobs: EngineJob[],
    sent: SentVersion,
    look?: VersionLook,
  ): Promise<UploadOutcome> {
    const { ctx } = this;
    const controller = new AbortController();
    this.controllers.set(unit.id, controller);
    let lastProgress = 0;
    const held = this.keptFor(unit, jobs, sent, look);
    try {
      return await ctx.client(ctx.accountOf(jobs[0].root)).uploadImage(unit.target, unit.path, {
        contentType: unit.contentType,
        ...(held && { held }),
        signal: controller.signal,
        expect: { size: sent.size, sha256: sent.sha256 },
        onProgress: (fraction) => {
          const now = ctx.clock.now();
          if (fraction < 1 && now - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = now;
          for (const job of jobs) ctx.book.progress(job.id, fraction);
        },
      });
    } catch (err) {
      return { kind: 'transient', message: err instanceof Error ? err.message : String(err) };
    } finally {
      this.controllers.delete(unit.id);
    }
  }

  /** The version a lone receipt's kept bytes are, if they are its job's version. */
  private keptVersion(unit: UploadUnit, jobs: EngineJob[]): SentVersion | undefined {
    const job = loneFile(unit, jobs);
    if (!job) return undefined;
    const version = { size: job.size!, mtimeMs: job.mtimeMs!, sha256: job.sha256! };
    return this.kept.has(job.id, version) ? version : undefined;
  }

  /** The last look at a lone receipt's file, begun as its attempt waits for the wire (see VersionLook). */
  private lookAt(unit: UploadUnit, jobs: EngineJob[], sent: SentVersion): VersionLook | undefined {
    if (!loneFile(unit, jobs) || !this.kept.has(jobs[0].id, sent)) return undefined;
    return new VersionLook(this.ctx.fs, this.ctx.clock, unit.path, sent);
  }

  /**
   * A receipt's bytes kept from inspection, to send instead of its file. The
   * file is looked at again while the bytes go out (see VersionLook): the
   * look begun while the attempt waited, or one begun now. Either runs beside
   * the request rather than before it, so the wire does not wait.
   */
  private keptFor(
    unit: UploadUnit,
    jobs: EngineJob[],
    sent: SentVersion,
    early: VersionLook | undefined,
  ): { bytes: Uint8Array; confirm: () => Promise<boolean> } | undefined {
    const job = loneFile(unit, jobs);
    const bytes = job && this.kept.take(job.id, sent);
    if (!bytes) return undefined;
    const look = early ?? new VersionLook(this.ctx.fs, this.ctx.clock, unit.path, sent);
    return { bytes, confirm: () => look.confirm() };
  }

  /**
   * The version of the file that goes out now: the one inspected, checked
   * again (a scanner renaming a new scan over a queued one must not go up
   * unchecked, nor a batch member edited since the merge). Anything else
   * sends the jobs back to readiness and returns undefined.
   */
  private async versionToSend(
    unit: UploadUnit,
    jobs: EngineJob[],
  ): Promise<SentVersion | undefined> {
    const { ctx } = this;
    for (const job of jobs) {
      let st;
      try {
        st = await ctx.fs.lstat(absolutePath(job.root, job.relPath));
      } catch (err) {
        if (unit.staged) continue; // gone: the merged PDF still holds it
        if (errorCode(err) !== 'ENOENT') throw err;
        await fileMissing(ctx, job);
        await this.forget(unit);
        return undefined;
      }
      if (st.size !== job.size || st.mtimeMs !== job.mtimeMs) {
        await this.forget(unit);
        for (const member of jobs) await ctx.runner.dispatch(member, { type: 'changed' });
        return undefined;
      }
    }
    if (!unit.staged) {
      const [job] = jobs;
      return { size: job.size!, mtimeMs: job.mtimeMs!, sha256: job.sha256! };
    }
    const st = await ctx.fs.lstat(unit.path);
    return { size: st.size, mtimeMs: st.mtimeMs, sha256: await sha256File(unit.path, ctx.fs) };
  }

  private async forget(unit: UploadUnit): Promise<void> {
    this.units.delete(unit.id);
    this.parked.delete(unit.id);
    if (this.waiting.delete(unit.id)) {
      this.queue.remove((u) => u === unit);
      this.roomMade();
    }
    if (unit.staged) await this.ctx.fs.remove(unit.path).catch(() => undefined);
  }
}

/** The job whose own file is the unit (not a merged or prepared one), if it is. */
function loneFile(unit: UploadUnit, jobs: EngineJob[]): EngineJob | undefined {
  return unit.staged || jobs.length > 1 ? undefined : jobs[0];
}

/** "uploading to the receipt store", as each job of a unit going out shows it. */
function uploadingTo(unit: UploadUnit) {
  return noteOf(msg('detail.uploadingTo', { target: targetInSentence(unit.target) }));
}
