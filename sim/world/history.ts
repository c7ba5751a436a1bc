import { createHash } from 'node:crypto';
import type { Doc } from './documents.js';
import type { MemoryFileSystem, Node } from './memory-fs.js';

/**
 * The office's memory of every complete version of every scan it put in a
 * root: what the checkers hold the engine to. A version the office itself
 * destroyed (deleted, overwrote, renamed something over) before it was sent
 * owes nothing; every other one must end sent, failed with a reason, or in
 * place with a visible state.
 */

export interface Version {
  n: number;
  doc: Doc;
  sha256: string;
  nodeId: number;
  node: Node;
  /** Absolute path when it became complete. */
  path: string;
  at: number;
  /** Set when the office destroyed it. */
  destroyed?: { at: number; how: 'deleted' | 'overwritten' | 'replaced' };
  /** Entry/invoice batch it belongs to (`key#n`). */
  batch?: string;
  /** A fault the office put on it that may keep it from being sent (unreadable, bad name…). */
  faulted?: string;
}

export interface Batch {
  id: string;
  key: string;
  /** Members' version numbers, in arrival order. */
  members: number[];
  /** True for the first batch the office made for this target. */
  first: boolean;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class History {
  readonly versions: Version[] = [];
  readonly batches = new Map<string, Batch>();
  readonly byMarker = new Map<string, Version[]>();
  readonly completeShas = new Set<string>();
  private readonly current = new Map<number, Version>();
  private readonly firstBatchOf = new Set<string>();

  constructor(
    private readonly fs: MemoryFileSystem,
    private readonly clock: { now(): number },
  ) {}

  /** `node` now holds the whole of `doc`. */
  complete(node: Node, doc: Doc, batch?: { id: string; key: string }): Version {
    this.destroy(node, 'overwritten');
    const version: Version = {
      n: this.versions.length,
      doc,
      sha256: sha256Of(doc.bytes),
      nodeId: node.id,
      node,
      path: this.fs.pathOf(node),
      at: this.clock.now(),
      batch: batch?.id,
    };
    this.versions.push(version);
    this.current.set(node.id, version);
    this.completeShas.add(version.sha256);
    const same = this.byMarker.get(doc.marker);
    if (same) same.push(version);
    else this.byMarker.set(doc.marker, [version]);
    if (batch) {
      let entry = this.batches.get(batch.id);
      if (!entry) {
        entry = {
          id: batch.id,
          key: batch.key,
          members: [],
          first: !this.firstBatchOf.has(batch.key),
        };
        this.firstBatchOf.add(batch.key);
        this.batches.set(batch.id, entry);
      }
      entry.members.push(version.n);
    }
    return version;
  }

  /** The office changed `node` so that its complete version is gone. */
  destroy(node: Node | undefined, how: 'deleted' | 'overwritten' | 'replaced'): void {
    if (!node) return;
    const version = this.current.get(node.id);
    if (!version) return;
    version.destroyed = { at: this.clock.now(), how };
    this.current.delete(node.id);
  }

  /** The complete version `node` holds now, if any. */
  versionOf(node: Node): Version | undefined {
    return this.current.get(node.id);
  }

  markFaulted(node: Node, fault: string): void {
    const version = this.current.get(node.id);
    if (version && !version.faulted) version.faulted = fault;
  }
}
