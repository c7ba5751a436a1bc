import { inflateSync } from 'node:zlib';
import { isIgnoredPath } from '../../main/engine/routing/route.js';
import type { Job } from '../../main/engine/types.js';
import { sha256Of, type Version } from './history.js';
import type { ReceivedImage } from './memory-concur.js';
import { SIM_EPOCH } from './virtual-clock.js';
import type { World } from './world.js';

/**
 * The promises the engine keeps whatever the office does (issue 7,
 * "Invariants the simulator checks"), checked against the office's history,
 * what Concur kept, the final disk and the engine's jobs. `step` is cheap and
 * incremental (new images, new files in Uploaded/); `final` runs once at quiet.
 */

export type InvariantName =
  | 'nothing-lost'
  | 'complete-bytes'
  | 'uploaded-unsent'
  | 'at-most-once'
  | 'one-image'
  | 'token'
  | 'reason'
  | 'once-ends'
  | 'replay';

export interface Violation {
  invariant: InvariantName;
  message: string;
}

const MARKER = /simdoc-\d+-\d+x/g;
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The markers of the scans a received image holds (a merged PDF's streams are inflated). */
export function markersIn(bytes: Uint8Array): Set<string> {
  const buffer = latin1(bytes);
  const text = [buffer.toString('latin1')];
  let at = 0;
  for (;;) {
    const start = buffer.indexOf('stream', at, 'latin1');
    if (start < 0) break;
    const bodyStart = buffer[start + 6] === 0x0d ? start + 8 : start + 7;
    const end = buffer.indexOf('endstream', bodyStart, 'latin1');
    if (end < 0) break;
    try {
      text.push(inflateSync(buffer.subarray(bodyStart, end)).toString('latin1'));
    } catch {
      // Not a Flate stream: its text is already in the raw bytes.
    }
    at = end + 9;
  }
  return new Set(text.join('\n').match(MARKER) ?? []);
}

export class InvariantChecker {
  private imagesSeen = 0;
  private readonly sentShas = new Set<string>();
  private readonly sentMarkers = new Set<string>();
  private readonly markersOf = new Map<ReceivedImage, Set<string>>();
  private readonly copies = new Map<string, number>();
  private readonly reported = new Set<string>();
  private movedToUploaded: string[] = [];
  private readonly finishedFolder: RegExp;

  constructor(private readonly world: World) {
    const roots = world.roots.map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    this.finishedFolder = new RegExp(`^(${roots})/(uploaded|failed)(/|$)`, 'i');
    const uploaded = new RegExp(`^(${roots})/uploaded/`, 'i');
    world.fs.subscribe((event) => {
      if (event.type === 'add' && uploaded.test(event.path)) this.movedToUploaded.push(event.path);
    });
  }

  /** Whether Concur holds this version (as it is, or merged into an entry's PDF). */
  isSent(version: Version): boolean {
    return this.sentShas.has(version.sha256) || this.sentMarkers.has(version.doc.marker);
  }

  /** Checks what happened since the last call. */
  step(): Violation[] {
    const out: Violation[] = [];
    const { concur, history } = this.world;
    for (; this.imagesSeen < concur.received.length; this.imagesSeen++) {
      const image = concur.received[this.imagesSeen];
      this.examine(image, out);
      const id = `${image.key} ${image.sha256}`;
      const copies = (this.copies.get(id) ?? 0) + 1;
      this.copies.set(id, copies);
      const allowed = 1 + (concur.allowance.get(id) ?? 0);
      if (copies > allowed && !this.reported.has(id)) {
        this.reported.add(id);
        out.push({
          invariant: 'at-most-once',
          message: `${describeKey(image.key)} received the same ${image.size} B image ${copies} times (allowed ${allowed}: no crash or lost answer hit more of those uploads): ${this.whenReceived(image)}`,
        });
      }
    }
    const moved = this.movedToUploaded;
    this.movedToUploaded = [];
    for (const path of moved) {
      const node = this.world.fs.find(path);
      if (node?.kind !== 'file') continue;
      const version = history.versionOf(node);
      if ((version && this.isSent(version)) || this.sentShas.has(sha256Of(node.data))) continue;
      out.push({
        invariant: 'uploaded-unsent',
        message: `${path} was moved to Uploaded/ but Concur never received those ${node.data.length} bytes`,
      });
    }
    for (const leak of this.world.leaks.splice(0)) out.push({ invariant: 'token', message: leak });
    return out;
  }

  /** Checks the end state, once the office is quiet. */
  final(jobs: readonly Job[]): Violation[] {
    const out = this.step();
    this.checkVersions(jobs, out);
    this.checkBatches(out);
    for (const job of jobs) {
      if (!job.state) out.push({ invariant: 'reason', message: `job ${job.relPath} has no state` });
      else if (job.state === 'failed' && !job.error?.reason)
        out.push({ invariant: 'reason', message: `job ${job.relPath} failed without a reason` });
    }
    this.world.scanText('the jobs the engine reports', JSON.stringify(jobs));
    for (const leak of this.world.leaks.splice(0)) out.push({ invariant: 'token', message: leak });
    return out;
  }

  private examine(image: ReceivedImage, out: Violation[]): void {
    const { history } = this.world;
    if (history.completeShas.has(image.sha256)) {
      this.sentShas.add(image.sha256);
      return;
    }
    const markers = image.bytes[0] === 0x25 ? markersIn(image.bytes) : new Set<string>();
    this.markersOf.set(image, markers);
    if (markers.size === 0) {
      out.push({
        invariant: 'complete-bytes',
        message: `${describeKey(image.key)} received ${image.size} B that were never a complete version of any scan`,
      });
      return;
    }
    const body = latin1(image.bytes);
    for (const marker of markers) {
      const version = history.byMarker.get(marker)?.[0];
      if (!version) {
        out.push({
          invariant: 'complete-bytes',
          message: `${describeKey(image.key)} holds an unknown scan ${marker}`,
        });
        continue;
      }
      if (version.doc.type === 'jpeg' && body.indexOf(latin1(version.doc.bytes)) < 0) {
        out.push({
          invariant: 'complete-bytes',
          message: `${describeKey(image.key)} holds only part of ${version.path} (${marker})`,
        });
        continue;
      }
      this.sentMarkers.add(marker);
    }
  }

  private checkVersions(jobs: readonly Job[], out: Violation[]): void {
    const { fs, history } = this.world;
    const fold = (s: string) => (fs.windows ? s.toLowerCase() : s);
    const jobAt = new Map<string, Job>();
    for (const job of jobs) {
      // The newest job of a path speaks for it (on Windows, for every spelling of its name).
      const key = fold(`${job.root}/${job.relPath}`);
      const other = jobAt.get(key);
      if (!other || other.createdAt < job.createdAt) jobAt.set(key, job);
    }
    for (const version of history.versions) {
      if (version.destroyed || this.isSent(version)) continue;
      if (!fs.isLinked(version.node)) {
        out.push({
          invariant: 'nothing-lost',
          message: `${version.path} (${version.doc.marker}) was removed but never sent`,
        });
        continue;
      }
      const path = fs.pathOf(version.node);
      const root = this.world.roots.find((r) => path.startsWith(r + '/'));
      if (!root) continue;
      const rel = path.slice(root.length + 1);
      const finished = this.finishedFolder.exec(path);
      if (finished && finished[2].toLowerCase() === 'uploaded') continue; // uploaded-unsent says so
      if (finished) {
        if (!this.hasErrorFile(path))
          out.push({
            invariant: 'nothing-lost',
            message: `${path} is in Failed/ without an .error.txt giving the reason`,
          });
        continue;
      }
      if (isIgnoredPath(rel)) continue;
      let job: Job | undefined;
      for (let p = rel; p && !job; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')
        job = jobAt.get(fold(`${root}/${p}`));
      if (!job) {
        out.push({
          invariant: 'nothing-lost',
          message: `${path} (${version.doc.marker}) is still in place, unsent, and the engine shows no job for it`,
        });
      } else if (job.state === 'uploaded' || job.state === 'duplicate') {
        out.push({
          invariant: 'nothing-lost',
          message: `${path} is shown as ${job.state}, but Concur never received this version (${version.doc.marker})`,
        });
      }
    }
  }

  private hasErrorFile(path: string): boolean {
    const dir = path.slice(0, path.lastIndexOf('/'));
    const name = path.slice(dir.length + 1);
    const stem = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name;
    return this.world.fs
      .walk(dir)
      .some(
        ({ path: p }) =>
          p.lastIndexOf('/') === dir.length &&
          p.endsWith('.error.txt') &&
          p.slice(dir.length + 1).startsWith(stem),
      );
  }

  private checkBatches(out: Violation[]): void {
    const { concur, history } = this.world;
    for (const batch of history.batches.values()) {
      const images = concur.imagesFor(batch.key);
      const members = batch.members.map((n) => history.versions[n]);
      for (const image of images) {
        for (const member of members) {
          // Overwritten since: what its file holds now is another version, not this member.
          if (member.destroyed || !this.holds(image, member)) continue;
          const at = this.world.fs.isLinked(member.node) ? this.world.fs.pathOf(member.node) : '';
          // Only while it still lies in that entry's folder: a folder renamed since names another target.
          const id = batch.key.slice(batch.key.indexOf(':') + 1);
          if (/\/failed\//i.test(at) && at.includes(`[${id}]`))
            out.push({
              invariant: 'one-image',
              message: `${at} is in Failed/, though ${describeKey(batch.key)}'s image holds it`,
            });
        }
      }
      if (!batch.first || images.length !== 1 || this.exempt(members)) continue;
      for (const member of members) {
        if (member.destroyed || member.faulted || this.holds(images[0], member)) continue;
        out.push({
          invariant: 'one-image',
          message: `${describeKey(batch.key)}'s image lacks ${member.path}, which arrived within the merge window`,
        });
      }
    }
  }

  /**
   * A batch the engine could not see whole in time: a member's event was lost
   * (found only by a later rescan), or its share was offline around the window.
   */
  private exempt(members: Version[]): boolean {
    const { world } = this;
    if (members.some((m) => world.missedPaths.has(m.path))) return true;
    const from = Math.min(...members.map((m) => m.at));
    const to =
      Math.max(...members.map((m) => m.at)) +
      world.settings.batchWindowMs +
      world.settings.settleMs +
      5000;
    return world.offline.some(
      (o) =>
        members.some((m) => m.path.startsWith(o.root + '/')) &&
        o.from <= to &&
        (o.to ?? Infinity) >= from,
    );
  }

  /** When each copy of this image arrived, and from which life: a trace to look along. */
  private whenReceived(image: ReceivedImage): string {
    const { concur, history } = this.world;
    const path = history.versions.find((v) => v.sha256 === image.sha256)?.path ?? 'a merged PDF';
    const copies = concur.received.filter((r) => r.key === image.key && r.sha256 === image.sha256);
    return `${path}, at ${copies.map((r) => `+${((r.at - SIM_EPOCH) / 1000).toFixed(3)}s (life ${r.life})`).join(', ')}`;
  }

  private holds(image: ReceivedImage, version: Version): boolean {
    if (image.sha256 === version.sha256) return true;
    return this.markersOf.get(image)?.has(version.doc.marker) ?? false;
  }
}

function describeKey(key: string): string {
  return key === 'receipt' ? 'the receipt store' : key.replace(':', ' ');
}
