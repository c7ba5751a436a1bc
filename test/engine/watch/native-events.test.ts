import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../helpers/temp-dir.js';
import { useWatchHarness } from '../../helpers/watch-harness.js';

const h = useWatchHarness('concur-drop-native-');

async function watch(root: string): Promise<void> {
  await h.watch(root).start();
}

const seen = h.seen;

describe('native h.events, one name at a time', () => {
  it('reports writes in place and a replacement renamed over a file as changes', async () => {
    const root = join(h.base, 'root');
    await mkdir(root);
    await writeFile(join(root, 'scan.pdf'), 'A');
    await watch(root);
    await appendFile(join(root, 'scan.pdf'), 'more');
    await seen('change scan.pdf');
    h.events = [];
    await writeFile(join(root, '.scan.pdf.tmp'), 'B');
    await rename(join(root, '.scan.pdf.tmp'), join(root, 'scan.pdf'));
    await seen('change scan.pdf');
    expect(h.events.filter((e) => !e.startsWith('change scan.pdf'))).toEqual([]);
  });

  it('reports files moved out to Uploaded/ as gone, and a renamed or deleted folder file by file', async () => {
    const root = join(h.base, 'root');
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
    expect(h.events.join('\n')).not.toMatch(/Uploaded/);
  });
});
