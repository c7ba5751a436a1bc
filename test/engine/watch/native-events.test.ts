import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../main/engine/ports.js';
import { isIgnoredPath } from '../../../main/engine/routing/route.js';
import { RootWatcher } from '../../../main/engine/watch/watcher.js';
import { makeTempDir, sleep, waitFor } from '../../helpers/temp-dir.js';

let base: string;
let cleanup: () => Promise<void>;
let watcher: RootWatcher | undefined;
let events: string[];

beforeEach(async () => {
  ({ path: base, cleanup } = await makeTempDir('concur-drop-native-'));
  events = [];
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await cleanup();
});

async function watch(root: string): Promise<void> {
  watcher = new RootWatcher(root, { polling: false, clock: systemClock, isIgnored: isIgnoredPath });
  watcher.on('file', (rel, ev) => events.push(`${ev} ${rel}`));
  watcher.on('unlink', (rel) => events.push(`unlink ${rel}`));
  await watcher.start();
}

const seen = (...expected: string[]) =>
  waitFor(() => expected.every((e) => events.includes(e)), {
    timeoutMs: 5000,
    message: () => `saw: ${events.join(', ')}`,
  });

describe('native events, one name at a time', () => {
  it('reports writes in place and a replacement renamed over a file as changes', async () => {
    const root = join(base, 'root');
    await mkdir(root);
    await writeFile(join(root, 'scan.pdf'), 'A');
    await watch(root);
    await appendFile(join(root, 'scan.pdf'), 'more');
    await seen('change scan.pdf');
    events = [];
    await writeFile(join(root, '.scan.pdf.tmp'), 'B');
    await rename(join(root, '.scan.pdf.tmp'), join(root, 'scan.pdf'));
    await seen('change scan.pdf');
    expect(events.filter((e) => !e.startsWith('change scan.pdf'))).toEqual([]);
  });

  it('reports files moved out to Uploaded/ as gone, and a renamed or deleted folder file by file', async () => {
    const root = join(base, 'root');
    await mkdir(join(root, 'Uploaded'), { recursive: true });
    await mkdir(join(root, 'report', 'R1'), { recursive: true });
    await writeFile(join(root, 'a.pdf'), 'x');
    await writeFile(join(root, 'report', 'R1', 'b.pdf'), 'x');
    await watch(root);
    await rename(join(root, 'a.pdf'), join(root, 'Uploaded', 'a.pdf'));
    await seen('unlink a.pdf');
    await rename(join(root, 'report', 'R1'), join(root, 'report', 'R2'));
    await seen('unlink report/R1/b.pdf', 'add report/R2/b.pdf');
    await writeFile(join(root, 'report', 'R2', 'c.pdf'), 'x');
    await seen('add report/R2/c.pdf');
    await rm(join(root, 'report'), { recursive: true });
    await seen('unlink report/R2/b.pdf', 'unlink report/R2/c.pdf');
    await sleep(200);
    expect(events.join('\n')).not.toMatch(/Uploaded/);
  });
});
