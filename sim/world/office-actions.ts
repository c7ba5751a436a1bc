import { isIgnoredPath } from '../../main/engine/routing/route.js';
import type { Doc } from './documents.js';
import type { BehaviourMix } from './memory-concur.js';
import type { FileNode } from './memory-fs.js';
import { DATA_DIR, type World } from './world.js';

/**
 * What people, scanners and the network do in the simulated office, at
 * virtual times, and how each changes the world. Actions that pick "some
 * file" carry a fraction and choose among the files there at that moment, so
 * a plan stays a pure function of the seed.
 */

export type OfficeAction = { at: number } & ActionBody;

export type ActionBody =
  /** A whole file arrives (a copy, a save): complete at once. */
  | {
      kind: 'write';
      path: string;
      doc: Doc;
      batch?: { id: string; key: string };
      /** The scanner keeps it open until a `release`. */
      hold?: 'EBUSY' | 'EPERM';
      /** Its name is not valid UTF-8. */
      badName?: boolean;
    }
  /** A scanner writing page by page: the file now holds the first `upTo` bytes of `doc`. */
  | { kind: 'append'; path: string; doc: Doc; upTo: number }
  /** A rename, over whatever is at `to` (temp-then-rename, a replace). */
  | { kind: 'rename'; from: string; to: string }
  /** Someone saves a new version over a file in place. */
  | { kind: 'overwrite'; pick: number; doc: Doc }
  | { kind: 'delete'; pick: number }
  | { kind: 'rename-folder'; root: string; pick: number; newName: string }
  | { kind: 'offline'; root: string }
  | { kind: 'online'; root: string }
  | { kind: 'unreadable'; pick: number }
  /** A folder the user cannot read, with a scan inside. */
  | { kind: 'unreadable-folder'; path: string; doc: Doc }
  | { kind: 'release'; path: string }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'concur'; mix: BehaviourMix }
  | { kind: 'crash' }
  | { kind: 'restart' }
  | { kind: 'disk-full' }
  | { kind: 'disk-free' }
  | { kind: 'token-refused' }
  | { kind: 'new-token' }
  /** The office ends its day: shares back, disk freed, files released, Concur calm. */
  | { kind: 'all-clear' };

/** Scans people could still touch: in a root, not finished, not ignored. */
export function inboxFiles(world: World): { path: string; root: string; node: FileNode }[] {
  const out: { path: string; root: string; node: FileNode }[] = [];
  for (const root of world.roots) {
    const ignored = (path: string) => isIgnoredPath(path.slice(root.length + 1));
    for (const { path, node } of world.fs.walk(root, ignored)) {
      if (node.kind === 'file' && !node.badName) out.push({ path, root, node });
    }
  }
  return out;
}

function pickFile(world: World, pick: number) {
  const files = inboxFiles(world);
  return files.length ? files[Math.floor(pick * files.length)] : undefined;
}

/** The engine-side consequence the driver must carry out. */
export type DriverCue = 'crash' | 'restart' | undefined;

/** Carries out one action on the world; returns what the driver must do to the engine. */
export function applyAction(world: World, action: OfficeAction): DriverCue {
  const { fs, history, concur } = world;
  switch (action.kind) {
    case 'write': {
      const node = fs.put(action.path, action.doc.bytes, { badName: action.badName });
      history.complete(node, action.doc, action.batch);
      if (action.hold) fs.hold(action.path, action.hold);
      if (action.badName) history.markFaulted(node, 'bad-name');
      if (fs.windows && action.path.length > 200) history.markFaulted(node, 'long-path');
      return;
    }
    case 'append': {
      const existing = fs.find(action.path);
      const have = existing?.kind === 'file' ? existing.data.length : 0;
      // Someone else wrote there meanwhile: the scanner writes its own bytes again from the start.
      const ours = existing?.kind === 'file' && startsWith(action.doc.bytes, existing.data);
      if (have === 0 || have > action.upTo || !ours) {
        history.destroy(existing, 'overwritten');
        fs.put(action.path, action.doc.bytes.slice(0, action.upTo));
      } else fs.append(action.path, action.doc.bytes.slice(have, action.upTo));
      const node = fs.find(action.path)!;
      if (action.upTo === action.doc.bytes.length) history.complete(node, action.doc);
      return;
    }
    case 'rename': {
      if (!fs.find(action.from)) return;
      const victim = fs.find(action.to);
      if (victim && victim !== fs.find(action.from)) history.destroy(victim, 'replaced');
      fs.rename(action.from, action.to);
      return;
    }
    case 'overwrite': {
      const file = pickFile(world, action.pick);
      if (!file) return;
      fs.put(file.path, action.doc.bytes);
      history.complete(file.node, action.doc);
      return;
    }
    case 'delete': {
      const file = pickFile(world, action.pick);
      if (!file) return;
      history.destroy(file.node, 'deleted');
      fs.unlink(file.path);
      return;
    }
    case 'rename-folder': {
      const folders = subfoldersOf(world, action.root);
      if (!folders.length) return;
      const from = folders[Math.floor(action.pick * folders.length)];
      const to = `${from.slice(0, from.lastIndexOf('/'))}/${action.newName}`;
      if (fs.find(to)) return;
      fs.rename(from, to);
      // Files of an entry's folder now name another target (or none): that batch lost them.
      for (const { node } of fs.walk(to))
        if (node.kind === 'file') history.markFaulted(node, 'folder renamed');
      return;
    }
    case 'offline':
      if (!fs.isOffline(action.root)) world.offline.push({ root: action.root, from: action.at });
      fs.goOffline(action.root);
      return;
    case 'online':
      for (const o of world.offline) if (o.root === action.root) o.to ??= action.at;
      fs.comeBack(action.root);
      return;
    case 'unreadable': {
      const file = pickFile(world, action.pick);
      if (!file) return;
      fs.setUnreadable(file.path, true);
      history.markFaulted(file.node, 'unreadable');
      return;
    }
    case 'unreadable-folder': {
      const node = fs.put(`${action.path}/${action.doc.marker}.pdf`, action.doc.bytes);
      history.complete(node, action.doc);
      history.markFaulted(node, 'unreadable');
      fs.setUnreadable(action.path, true);
      return;
    }
    case 'release':
      fs.release(action.path);
      return;
    case 'symlink':
      fs.symlink(action.path, action.target);
      return;
    case 'concur':
      concur.mix = action.mix;
      return;
    case 'crash':
      return 'crash';
    case 'restart':
      return 'restart';
    case 'disk-full':
      fs.fill(DATA_DIR);
      world.journal.full = true;
      return;
    case 'disk-free':
      fs.free(DATA_DIR);
      world.journal.full = false;
      return;
    case 'token-refused':
      concur.refuseToken();
      return;
    case 'new-token':
      concur.newToken();
      return;
    case 'all-clear':
      for (const o of world.offline) o.to ??= action.at;
      for (const root of world.roots) if (fs.isOffline(root)) fs.comeBack(root);
      for (const { path, node } of inboxFiles(world)) if (node.held) fs.release(path);
      fs.free(DATA_DIR);
      world.journal.full = false;
      concur.mix = 'calm';
      return;
  }
}

function startsWith(whole: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > whole.length) return false;
  for (let i = 0; i < prefix.length; i++) if (whole[i] !== prefix[i]) return false;
  return true;
}

/** Folders under a root people may rename (never Uploaded/ or Failed/). */
function subfoldersOf(world: World, root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const sub of world.fs.subfolders(dir)) {
      if (isIgnoredPath(sub.slice(root.length + 1))) continue;
      out.push(sub);
      visit(sub);
    }
  };
  visit(root);
  return out.filter((p) => !/\/(report|entry|invoice)$/i.test(p));
}

/** One line of the trace. */
export function describeAction(action: OfficeAction, start: number): string {
  const t = `+${((action.at - start) / 1000).toFixed(3)}s`;
  const doc = (d: Doc) => `${d.type} ${d.bytes.length} B ${d.marker}`;
  switch (action.kind) {
    case 'write':
      return `${t} write ${action.path} (${doc(action.doc)}${action.hold ? `, held ${action.hold}` : ''}${action.badName ? ', bad name' : ''}${action.batch ? `, batch ${action.batch.id}` : ''})`;
    case 'append':
      return `${t} append ${action.path} up to ${action.upTo}/${action.doc.bytes.length} B (${action.doc.marker})`;
    case 'rename':
      return `${t} rename ${action.from} -> ${action.to}`;
    case 'overwrite':
      return `${t} overwrite file #${action.pick.toFixed(3)} with ${doc(action.doc)}`;
    case 'delete':
    case 'unreadable':
      return `${t} ${action.kind} file #${action.pick.toFixed(3)}`;
    case 'rename-folder':
      return `${t} rename folder #${action.pick.toFixed(3)} in ${action.root} to ${action.newName}`;
    case 'offline':
    case 'online':
      return `${t} share ${action.kind} ${action.root}`;
    case 'unreadable-folder':
      return `${t} unreadable folder ${action.path} holding ${doc(action.doc)}`;
    case 'release':
      return `${t} scanner releases ${action.path}`;
    case 'symlink':
      return `${t} symlink ${action.path} -> ${action.target}`;
    case 'concur':
      return `${t} concur ${action.mix}`;
    default:
      return `${t} ${action.kind}`;
  }
}
