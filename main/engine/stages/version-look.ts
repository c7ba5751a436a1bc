import type { Clock } from '../ports.js';
import type { FileSystem } from '../ports/file-system.js';
import type { SentVersion } from '../types.js';

/**
 * The last look at a receipt's file while its kept bytes go out: is the file
 * still the version inspected (size and mtime)? A scan renamed over a queued
 * one must go as the new version, so the request's last byte waits for it.
 *
 * The sending stage begins it as the upload starts waiting for its
 * connection: in a backlog the connection comes a few milliseconds later, and
 * a look begun only then held each request's last byte for a trip through the
 * file-system threads, behind the inspections queued there. When the bytes go
 * it is used if still under way or ended at most FRESH_MS ago; after a longer
 * wait (a slow answer ahead of it) the file is looked at again.
 */

/** In a backlog a look is 2–5 ms old when its bytes go; one that waited behind a slow answer is not. */
const FRESH_MS = 50;

export class VersionLook {
  private readonly same: Promise<boolean>;
  /** Unset while the look is under way. */
  private endedAt: number | undefined;

  constructor(
    private readonly fs: FileSystem,
    private readonly clock: Clock,
    private readonly path: string,
    private readonly version: SentVersion,
  ) {
    this.same = this.look().then((same) => {
      this.endedAt = clock.now();
      return same;
    });
  }

  /** Whether the file is still that version: this look, or a new one if this one is stale. */
  confirm(): Promise<boolean> {
    const fresh = this.endedAt === undefined || this.clock.now() - this.endedAt <= FRESH_MS;
    return fresh ? this.same : this.look();
  }

  private look(): Promise<boolean> {
    return this.fs.lstat(this.path).then(
      (st) => st.size === this.version.size && st.mtimeMs === this.version.mtimeMs,
      () => false,
    );
  }
}
