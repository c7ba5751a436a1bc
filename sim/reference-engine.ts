import { createHash } from 'node:crypto';
import { ParseSpeeds, PDFDocument } from 'pdf-lib';
import type { UploadOutcome } from '../main/engine/concur/concur-outcome.js';
import { isUploadable, sniffContentType } from '../main/engine/inspect/file-type.js';
import { hasCompleteEnd, TAIL_BYTES } from '../main/engine/inspect/structure.js';
import { errorCode } from '../main/engine/ports/file-system.js';
import { isIgnoredPath, routeFile, targetKey } from '../main/engine/routing/route.js';
import type { ContentType, Job, JobState, UploadTarget } from '../main/engine/types.js';
import type { SimEngine, SimEngineFactory, SimWorld } from './engine-port.js';
import type { SimUploadOptions } from './world/memory-concur.js';
import { RESCAN_MS } from './world/world.js';

/**
 * A deliberately small engine that exercises the simulated world in the
 * simulator's own tests (and stands in for `npm run sim` until the real one
 * is wired). It settles, checks, dedupes, batches entries, uploads with
 * retries and journals what it sent. Its `flaw` makes it break one promise on
 * purpose, to prove the checkers notice.
 */

export interface ReferenceOptions {
  flaw?: 'upload-twice' | 'move-unsent' | 'split-batches';
}

interface RefJob extends Job {
  bytes?: Uint8Array;
  timer?: unknown;
  firstSeen: number;
}

interface Upload {
  jobs: RefJob[];
  target: UploadTarget;
  path: string;
  size: number;
  sha256: string;
  attempts: number;
  /** Jobs with the same content for the same target, finished as duplicates with it. */
  twins: RefJob[];
}

const BACKOFF_MAX_MS = 300_000;
const TRIES = 8;

export function referenceEngine(options: ReferenceOptions = {}): SimEngineFactory {
  return (world) => new ReferenceEngine(world, options);
}

class ReferenceEngine implements SimEngine {
  private readonly byPath = new Map<string, RefJob>();
  private readonly all: RefJob[] = [];
  private readonly sent = new Set<string>();
  private readonly tried = new Set<string>();
  private readonly batches = new Map<string, { jobs: RefJob[]; timer: unknown }>();
  private readonly queue: Upload[] = [];
  private readonly inFlight = new Set<Upload>();
  private active = 0;
  private held = false;
  private dead = false;
  private seq = 0;
  private stopToken: (() => void) | undefined;
  private readonly watchers: { close(): Promise<void> }[] = [];

  constructor(
    private readonly world: SimWorld,
    private readonly options: ReferenceOptions,
  ) {}

  async start(): Promise<void> {
    const { journal, settings } = this.world;
    const text = new TextDecoder().decode(await journal.read());
    for (const line of text.split('\n')) {
      try {
        const record = JSON.parse(line) as { t: string; id: string };
        (record.t === 'sent' ? this.sent : this.tried).add(record.id);
      } catch {
        // A torn last line: the append never completed.
      }
    }
    this.stopToken = this.world.token.onChange(() => {
      this.held = false;
      this.pump();
    });
    for (const folder of settings.folders) {
      const root = folder.path;
      const watcher = this.world.watch(root, {
        isIgnored: isIgnoredPath,
        rescanMs: RESCAN_MS,
        isKnown: (rel) => this.knows(`${root}/${rel}`),
      });
      watcher.on('file', (rel) => this.seen(root, rel));
      watcher.on('missed', (rel) => this.seen(root, rel));
      watcher.on('unlink', (rel) => this.gone(root, rel));
      watcher.on('problem', (rel, _code, reason) => this.problem(root, rel, reason));
      this.watchers.push(watcher);
      await watcher.start();
    }
  }

  async stop(): Promise<void> {
    this.dead = true;
    this.stopToken?.();
    for (const w of this.watchers) await w.close();
  }

  crash(): void {
    this.dead = true;
  }

  jobs(): Job[] {
    return this.all.map(({ bytes: _b, timer: _t, firstSeen: _f, ...job }) => job);
  }

  settled(): boolean {
    return this.all.every(
      (j) =>
        j.state === 'uploaded' ||
        j.state === 'duplicate' ||
        j.state === 'failed' ||
        j.state === 'paused',
    );
  }

  /** A file at the path of a job that was uploaded is a new one: finished files are moved away. */
  private knows(path: string): boolean {
    const job = this.byPath.get(path);
    return !!job && job.state !== 'uploaded' && job.state !== 'duplicate';
  }

  private set(job: RefJob, state: JobState, detail?: string): void {
    job.state = state;
    job.detail = detail;
    job.updatedAt = this.world.clock.now();
    this.world.output(`${job.relPath}: ${state}${detail ? ` (${detail})` : ''}`);
  }

  private seen(root: string, rel: string): void {
    const key = `${root}/${rel}`;
    let job = this.byPath.get(key);
    if (job && (job.state === 'uploading' || job.state === 'queued')) return;
    if (job?.detail === 'collecting') {
      // Changed inside its merge window: it joins again once it is ready.
      for (const batch of this.batches.values()) batch.jobs = batch.jobs.filter((j) => j !== job);
    }
    if (!job || job.state === 'uploaded' || job.state === 'duplicate' || job.state === 'failed') {
      const now = this.world.clock.now();
      job = {
        id: `job-${this.world.life.number}-${++this.seq}`,
        root,
        relPath: rel,
        name: rel.slice(rel.lastIndexOf('/') + 1),
        target: null,
        state: 'waiting',
        attempts: 0,
        createdAt: now,
        updatedAt: now,
        firstSeen: now,
      };
      this.byPath.set(key, job);
      this.all.push(job);
    }
    this.settle(job);
  }

  private settle(job: RefJob): void {
    const { clock, settings } = this.world;
    clock.clearTimeout(job.timer);
    this.set(job, 'waiting', 'settling');
    job.timer = clock.setTimeout(() => void this.check(job), settings.settleMs);
  }

  private gone(root: string, rel: string): void {
    const job = this.byPath.get(`${root}/${rel}`);
    if (!job || job.state !== 'waiting') return;
    this.world.clock.clearTimeout(job.timer);
    this.byPath.delete(`${root}/${rel}`);
    this.all.splice(this.all.indexOf(job), 1);
  }

  private problem(root: string, rel: string, reason: string): void {
    const job = this.byPath.get(`${root}/${rel}`) ?? this.newFailed(root, rel);
    job.error = { reason: `It cannot be uploaded: ${reason}.`, retryable: false };
    this.set(job, 'failed');
  }

  private newFailed(root: string, rel: string): RefJob {
    this.seen(root, rel);
    const job = this.byPath.get(`${root}/${rel}`)!;
    this.world.clock.clearTimeout(job.timer);
    return job;
  }

  private async check(job: RefJob): Promise<void> {
    const { fs, settings } = this.world;
    const path = `${job.root}/${job.relPath}`;
    let bytes: Uint8Array;
    try {
      const handle = await fs.open(path);
      try {
        const stat = await handle.stat();
        bytes = new Uint8Array(stat.size);
        await handle.read(bytes, 0, stat.size, 0);
      } finally {
        await handle.close();
      }
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EBUSY' || code === 'EPERM' || code === 'ENOENT') return this.settle(job);
      job.error = { reason: `The file cannot be read (${code}).`, retryable: true };
      return this.set(job, 'failed');
    }
    const type = sniffContentType(bytes.subarray(0, 16));
    if (!isUploadable(type)) return this.fail(job, 'It is not a PDF, JPEG or PNG.');
    if (!hasCompleteEnd(type, bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)))) {
      if (this.world.clock.now() - job.firstSeen > settings.maxWaitMs)
        return this.fail(job, 'The scanner never finished writing it.');
      return this.settle(job);
    }
    const folder = settings.folders.find((f) => f.path === job.root)!;
    const route = routeFile(job.relPath, folder, 'linux');
    if (route.kind !== 'target')
      return this.fail(job, route.kind === 'invalid' ? route.reason : route.why);
    job.target = route.target;
    job.bytes = bytes;
    job.size = bytes.length;
    job.contentType = type as ContentType;
    job.sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = targetKey(route.target);
    if (this.sent.has(`${key} ${job.sha256}`)) return this.finish([job], 'duplicate');
    const twin = [...this.queue, ...this.inFlight].find(
      (u) => u.sha256 === job.sha256 && targetKey(u.target) === key,
    );
    if (twin) {
      // The same content is going up to the same place: this one is its duplicate.
      twin.twins.push(job);
      return this.set(job, 'queued', 'parked behind a copy');
    }
    if (route.target.kind === 'entry' || route.target.kind === 'invoice')
      return this.collect(key, job);
    this.enqueue([job], route.target, path, bytes);
  }

  private collect(key: string, job: RefJob): void {
    if (this.options.flaw === 'split-batches')
      return this.enqueue([job], job.target!, `${job.root}/${job.relPath}`, job.bytes!);
    const { clock, settings } = this.world;
    const batch = this.batches.get(key) ?? { jobs: [], timer: undefined };
    this.batches.set(key, batch);
    if (!batch.jobs.includes(job)) batch.jobs.push(job);
    this.set(job, 'waiting', 'collecting');
    clock.clearTimeout(batch.timer);
    batch.timer = clock.setTimeout(() => void this.merge(key), settings.batchWindowMs);
  }

  private async merge(key: string): Promise<void> {
    const batch = this.batches.get(key)!;
    this.batches.delete(key);
    const jobs = batch.jobs.sort((a, b) => (a.relPath < b.relPath ? -1 : 1));
    const target = jobs[0].target!;
    if (jobs.length === 1)
      return this.enqueue(jobs, target, `${jobs[0].root}/${jobs[0].relPath}`, jobs[0].bytes!);
    const doc = await PDFDocument.create();
    doc.setCreationDate(new Date(this.world.clock.now()));
    doc.setModificationDate(new Date(this.world.clock.now()));
    for (const job of jobs) {
      const bytes = job.bytes!;
      if (job.contentType === 'application/pdf') {
        const source = await PDFDocument.load(bytes, {
          parseSpeed: ParseSpeeds.Fastest,
          updateMetadata: false,
        });
        for (const page of await doc.copyPages(source, source.getPageIndices())) doc.addPage(page);
      } else {
        const image =
          job.contentType === 'image/jpeg' ? await doc.embedJpg(bytes) : await doc.embedPng(bytes);
        doc.addPage([image.width, image.height]).drawImage(image, { x: 0, y: 0 });
      }
    }
    const merged = await doc.save({ objectsPerTick: Infinity, useObjectStreams: false });
    const staged = `${this.world.dataDir}/staging/${key.replace(':', '-')}-${++this.seq}.pdf`;
    try {
      await this.world.fs.writeFile(staged, merged);
    } catch {
      for (const job of jobs) this.settle(job);
      return;
    }
    this.enqueue(jobs, target, staged, merged);
  }

  private enqueue(jobs: RefJob[], target: UploadTarget, path: string, bytes: Uint8Array): void {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    for (const job of jobs) this.set(job, 'queued');
    this.queue.push({ jobs, target, path, size: bytes.length, sha256, attempts: 0, twins: [] });
    this.pump();
  }

  private pump(): void {
    while (
      !this.dead &&
      !this.held &&
      this.active < this.world.settings.concurrency &&
      this.queue.length
    ) {
      const upload = this.queue.shift()!;
      this.active++;
      this.inFlight.add(upload);
      void this.send(upload).finally(() => {
        this.active--;
        this.inFlight.delete(upload);
        this.pump();
      });
    }
  }

  private async send(upload: Upload): Promise<void> {
    const { concur, journal, clock } = this.world;
    const id = `${targetKey(upload.target)} ${upload.sha256}`;
    if (this.options.flaw === 'move-unsent') return this.finish(upload.jobs, 'uploaded');
    try {
      await journal.append(new TextEncoder().encode(JSON.stringify({ t: 'try', id }) + '\n'));
    } catch {
      clock.setTimeout(() => this.requeue(upload), 5000);
      return;
    }
    for (const job of upload.jobs) this.set(job, 'uploading');
    upload.attempts++;
    const options: SimUploadOptions = { expect: { size: upload.size, sha256: upload.sha256 } };
    let outcome = (await concur.uploadImage(upload.target, upload.path, options)) as
      UploadOutcome | { kind: 'changed' };
    if (this.options.flaw === 'upload-twice' && outcome.kind === 'uploaded')
      outcome = (await concur.uploadImage(upload.target, upload.path, options)) as UploadOutcome;
    switch (outcome.kind) {
      case 'uploaded':
        return this.accepted(upload, id);
      case 'alreadyHasImage':
        if (this.tried.has(id)) return this.accepted(upload, id);
        for (const twin of upload.twins) this.settle(twin);
        return this.finish(upload.jobs, 'failed', outcome.message);
      case 'changed':
        for (const twin of upload.twins) this.settle(twin);
        for (const job of upload.jobs) this.settle(job);
        return;
      case 'auth':
        this.held = true;
        for (const job of upload.jobs) this.set(job, 'paused', 'sign-in needed');
        this.queue.unshift(upload);
        return;
      case 'rejected':
        for (const twin of upload.twins) this.settle(twin);
        return this.finish(upload.jobs, 'failed', outcome.message);
      case 'transient': {
        this.tried.add(id);
        if (upload.attempts >= TRIES) {
          for (const job of upload.jobs) {
            job.error = { reason: outcome.message, retryable: true, code: 'gave-up' };
            this.set(job, 'failed');
          }
          return;
        }
        for (const job of upload.jobs) this.set(job, 'queued', 'backing off');
        const wait = outcome.retryAfterMs ?? Math.min(BACKOFF_MAX_MS, 1000 * 2 ** upload.attempts);
        clock.setTimeout(() => this.requeue(upload), wait);
        return;
      }
    }
  }

  private requeue(upload: Upload): void {
    this.queue.push(upload);
    this.pump();
  }

  private async accepted(upload: Upload, id: string): Promise<void> {
    // Each member counts as sent too: a member found again later is a duplicate, not a new image.
    const ids = [id, ...upload.jobs.map((j) => `${targetKey(upload.target)} ${j.sha256}`)];
    for (const sent of ids) this.sent.add(sent);
    try {
      const lines = ids.map((sent) => JSON.stringify({ t: 'sent', id: sent }) + '\n').join('');
      await this.world.journal.append(new TextEncoder().encode(lines));
    } catch {
      // The disk is full: the file stays; after a restart the dedupe index may resend it.
    }
    await this.finish(upload.jobs, 'uploaded');
    await this.finish(upload.twins, 'duplicate');
  }

  private async finish(
    jobs: RefJob[],
    state: 'uploaded' | 'duplicate' | 'failed',
    reason?: string,
  ): Promise<void> {
    const { fs } = this.world;
    for (const job of jobs) {
      const from = `${job.root}/${job.relPath}`;
      if (state !== 'failed' && !(await this.stillSame(job))) {
        // A newer version took its place: this one is done, the new one is a new job.
        this.set(job, state);
        job.disposition = 'gone';
        this.seen(job.root, job.relPath);
        continue;
      }
      const folder = state === 'failed' ? 'Failed' : 'Uploaded';
      let to = `${job.root}/${folder}/${job.relPath}`;
      for (let n = 2; ; n++) {
        try {
          await fs.move(from, to);
          if (state === 'failed') await fs.writeFile(`${to}.error.txt`, `${reason}\n`);
          job.finalPath = to;
          break;
        } catch (error) {
          if (errorCode(error) !== 'EEXIST' || n > 20) break;
          to = `${job.root}/${folder}/${job.relPath.replace(/(\.[^./]+)?$/, ` (${n})$1`)}`;
        }
      }
      if (state === 'failed') job.error = { reason: reason ?? 'failed', retryable: false };
      this.set(job, state);
      job.bytes = undefined;
    }
  }

  private async stillSame(job: RefJob): Promise<boolean> {
    try {
      const handle = await this.world.fs.open(`${job.root}/${job.relPath}`);
      try {
        const stat = await handle.stat();
        const bytes = new Uint8Array(stat.size);
        await handle.read(bytes, 0, stat.size, 0);
        return createHash('sha256').update(bytes).digest('hex') === job.sha256;
      } finally {
        await handle.close();
      }
    } catch {
      return true;
    }
  }

  private fail(job: RefJob, reason: string): Promise<void> {
    return this.finish([job], 'failed', reason);
  }
}
