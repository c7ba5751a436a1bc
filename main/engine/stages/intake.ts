import { basename } from 'node:path';
import { absolutePath } from '../finish/finish.js';
import type { EngineJob } from '../job-book.js';
import { isFinal, pathKey } from '../job-book.js';
import type { ErrorCode } from '../lifecycle/codes.js';
import { errorCode } from '../ports/file-system.js';
import { routeFile } from '../routing/route.js';
import type { StageContext } from './context.js';
import { fileMissing } from './missing-file.js';
import { takesOneImage } from './inspection.js';

/** Jobs in motion at once beyond which new files wait their turn in the backlog. */
const TAKEN_ON = 256;

/**
 * Where jobs are born: from the watchers' events to the lifecycle's `seen`,
 * `changed`, `gone` and `unreachable`. Events of one path are handled in
 * order, each after the last was recorded.
 */
export class Intake {
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * New files not yet taken on, oldest first (root+path → missed?). A backlog of
   * thousands found at start becomes jobs as earlier ones finish, so memory
   * holds a few hundred jobs, not the whole folder. Nothing is lost by waiting
   * here: the file stays in its folder, and a restart finds it again.
   */
  private readonly backlog = new Map<string, { root: string; relPath: string; missed: boolean }>();

  constructor(private readonly ctx: StageContext) {}

  /**
   * A regular file appeared or changed in a root. `missed`: found by re-listing rather than
   * reported by an event; a job that has the file already is then left alone.
   */
  onFile(root: string, relPath: string, options: { missed?: boolean } = {}): void {
    const key = pathKey(root, relPath);
    const missed = options.missed === true;
    if (this.backlog.has(key)) return;
    if (
      this.ctx.book.inMotion + this.chains.size >= TAKEN_ON &&
      !this.ctx.book.atPath(root, relPath) &&
      !this.forOneImage(root, relPath)
    ) {
      this.backlog.set(key, { root, relPath, missed });
      return;
    }
    this.chain(root, relPath, () => this.seen(root, relPath, missed));
  }

  /** Takes on files from the backlog while fewer than TAKEN_ON jobs are in motion (called as jobs change). */
  admit(): void {
    for (const [key, file] of this.backlog) {
      if (this.ctx.book.inMotion + this.chains.size >= TAKEN_ON) return;
      this.backlog.delete(key);
      this.chain(file.root, file.relPath, () => this.seen(file.root, file.relPath, file.missed));
    }
  }

  /**
   * A file for an entry or invoice is taken on at once, backlog or not: its batch-mates' merge
   * window waits only for files it knows are on their way.
   */
  private forOneImage(root: string, relPath: string): boolean {
    const folder = this.ctx.folderFor(root);
    const route = folder ? routeFile(relPath, folder) : undefined;
    return route?.kind === 'target' && takesOneImage(route.target);
  }

  /** New files waiting to be taken on (for the idle check). */
  get waiting(): number {
    return this.backlog.size;
  }

  onUnlink(root: string, relPath: string): void {
    if (this.backlog.delete(pathKey(root, relPath))) return;
    this.chain(root, relPath, () => this.unlinked(root, relPath));
  }

  /** Something in a root that can never go as it is (a link, a bad name, no permission): a failed job says so. */
  onProblem(root: string, relPath: string, code: ErrorCode, reason: string): void {
    this.chain(root, relPath, async () => {
      const last = this.ctx.book.lastAtPath(root, relPath);
      if (last && (!isFinal(last.state) || last.error?.code === code)) return;
      const job = this.newJob(root, relPath, null);
      await this.ctx.runner.dispatch(job, {
        type: 'refused',
        error: { reason, retryable: false, code },
        keepInPlace: true,
      });
    });
  }

  /**
   * A root that could not be reached is back. Its files there now are reported one by one;
   * its jobs that waited for it look again too, for a file deleted meanwhile sends no event.
   */
  onRootBack(root: string): void {
    for (const job of this.ctx.book.live.values()) {
      if (job.root !== root || job.phase !== 'unreachable') continue;
      this.chain(root, job.relPath, async () => {
        const live = this.ctx.book.atPath(root, job.relPath);
        if (live?.phase === 'unreachable' && !this.ctx.stopping())
          await this.ctx.runner.dispatch(live, { type: 'changed' });
      });
    }
  }

  private chain(root: string, relPath: string, step: () => Promise<void>): void {
    const key = pathKey(root, relPath);
    const next = (this.chains.get(key) ?? Promise.resolve()).then(step).catch((err: unknown) => {
      this.ctx.log.error('handling a file event failed', { path: relPath, error: err });
    });
    this.chains.set(key, next);
    void this.ctx.track(next).then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private newJob(root: string, relPath: string, target: EngineJob['target']): EngineJob {
    const now = this.ctx.clock.now();
    return {
      id: this.ctx.newId(),
      root,
      relPath,
      name: basename(relPath),
      target,
      state: 'waiting',
      phase: 'settling',
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
  }

  private async seen(root: string, relPath: string, missed: boolean): Promise<void> {
    const { book, runner } = this.ctx;
    if (this.ctx.stopping()) return;
    const live = book.atPath(root, relPath);
    if (live) {
      if (!missed) await runner.dispatch(live, { type: 'changed' });
      return;
    }
    const folder = this.ctx.folderFor(root);
    if (!folder) return;
    const route = routeFile(relPath, folder);
    if (route.kind === 'ignore') return;
    const last = book.lastAtPath(root, relPath);
    // Only a file the ledger knows at this path needs a look here (is it that file?): a new one
    // is looked at by readiness next, so a backlog of new scans costs a stat less per file.
    let st;
    try {
      st = last && (await this.ctx.fs.lstat(absolutePath(root, relPath)));
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return; // gone again before we looked; nothing to do
      throw err;
    }
    if (last && !isFinal(last.state)) {
      // Unfinished, its root was away: it resumes where it was found.
      await runner.dispatch(last, {
        type: 'recovered',
        batchMayHaveLanded: book.batchMayHaveLanded(last),
      });
      return;
    }
    if (last && st && last.size === st.size && last.mtimeMs === st.mtimeMs && stillItsFile(last))
      return;
    // A failure left in place for another try: this new version takes its place.
    if (last?.state === 'failed' && last.disposition === 'kept' && last.error?.retryable)
      await runner.dispatch(last, { type: 'superseded' });
    const job = this.newJob(root, relPath, route.kind === 'target' ? route.target : null);
    const failure = book.failureAt(root, relPath);
    if (failure) job.replaces = failure.id;
    await runner.dispatch(job, { type: 'seen' });
  }

  private async unlinked(root: string, relPath: string): Promise<void> {
    const { book } = this.ctx;
    const job = book.atPath(root, relPath);
    if (!job || this.ctx.stopping()) return;
    // A file already merged into its batch's PDF goes up with it.
    if (job.batchId && job.phase !== 'collecting') return;
    try {
      await this.ctx.fs.lstat(absolutePath(root, relPath));
      return; // back already (a rename over it): its change event follows
    } catch {
      // gone
    }
    await fileMissing(this.ctx, job);
  }
}

/**
 * A finished job's file found unchanged at its path is still that job's file
 * when it stays there on purpose (kept, failed-retryable) or its finishing is
 * still to do (a crash between the ledger write and the move); once moved or
 * deleted, the same bytes dropped again are a new job (it shows as a duplicate).
 */
export function stillItsFile(job: EngineJob): boolean {
  return job.disposition === undefined || job.disposition === 'kept';
}
