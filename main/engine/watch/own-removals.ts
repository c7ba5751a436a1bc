import { pathKey } from '../job-book.js';
import type { Clock } from '../ports.js';

/**
 * Files the engine itself takes out of a watched folder: finished scans
 * moved to Uploaded/ or deleted. The watcher's event for such a removal needs
 * no look at the path to know the file left; in a backlog that look was a
 * file-system call per scan, and on a share a round trip.
 *
 * A mark is taken by the first event at its path, or lapses after MARK_MS: a
 * removal whose event never came (an overflowed event queue) must not hide a
 * new scan the scanner gives the same name later. A new scan at that path
 * after the removal is an event of its own, looked at as usual.
 */

/** An event follows its removal within milliseconds; a mark older than this is left unused. */
const MARK_MS = 2000;
/** Marks kept before the lapsed ones are swept out. */
const SWEEP_AT = 1024;

export class OwnRemovals {
  private readonly marks = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** About to take `relPath` out of `root`. */
  expect(root: string, relPath: string): void {
    if (this.marks.size >= SWEEP_AT) this.sweep();
    this.marks.set(pathKey(root, relPath), this.clock.now());
  }

  /** The removal did not happen (the move failed): the next event there is looked at. */
  cancel(root: string, relPath: string): void {
    this.marks.delete(pathKey(root, relPath));
  }

  /** Whether an event at this path is the engine's own removal (answers true once). */
  take(root: string, relPath: string): boolean {
    const key = pathKey(root, relPath);
    const at = this.marks.get(key);
    if (at === undefined) return false;
    this.marks.delete(key);
    return this.clock.now() - at <= MARK_MS;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, at] of this.marks) if (now - at > MARK_MS) this.marks.delete(key);
  }
}
