/**
 * The same content for the same target dropped twice at once (a scanner's
 * double feed, a copy made while the first still uploads) must not go up
 * twice. The first such job leads; later copies wait for its answer and are
 * then marked duplicate, or look again if it failed.
 */
export class CopiesInFlight {
  /** sha256|target → the leading job id. */
  private readonly leaders = new Map<string, string>();
  private readonly leaderOf = new Map<string, string>();
  private readonly parked = new Map<string, string[]>();

  /**
   * Makes `jobId` the leader for `key` and returns null, or returns the id of
   * the live job already leading (the caller then parks `jobId`).
   */
  claim(key: string, jobId: string, isLive: (id: string) => boolean): string | null {
    const leader = this.leaders.get(key);
    if (leader && leader !== jobId && isLive(leader)) return leader;
    this.leaders.set(key, jobId);
    this.leaderOf.set(jobId, key);
    return null;
  }

  park(key: string, jobId: string): void {
    this.parked.set(key, [...(this.parked.get(key) ?? []), jobId]);
  }

  /** The leader `jobId` ended: returns the copies that waited on it (now released). */
  release(jobId: string): string[] {
    const key = this.leaderOf.get(jobId);
    if (!key) return [];
    this.leaderOf.delete(jobId);
    if (this.leaders.get(key) === jobId) this.leaders.delete(key);
    const waiting = this.parked.get(key) ?? [];
    this.parked.delete(key);
    return waiting;
  }

  /** A waiting copy will not go on (deleted): forget it. */
  drop(jobId: string): void {
    for (const [key, ids] of this.parked) {
      const i = ids.indexOf(jobId);
      if (i >= 0) ids.splice(i, 1);
      if (!ids.length) this.parked.delete(key);
    }
  }
}
