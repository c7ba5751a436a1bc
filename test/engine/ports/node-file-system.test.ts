import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../main/engine/ports/node-file-system.js';

/** The production file system's reading handle is a plain descriptor: once closed, it is done. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-fs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nodeFileSystem.open', () => {
  it('reads and stats the file it opened, and never touches a number reused after its close', async () => {
    const first = join(dir, 'first.jpg');
    await writeFile(first, 'first scan');
    const handle = await nodeFileSystem.open(first);
    const buffer = Buffer.alloc(32);
    expect(await handle.read(buffer, 0, 32, 0)).toBe(10);
    expect(buffer.subarray(0, 10).toString()).toBe('first scan');
    expect(await handle.stat()).toMatchObject({ kind: 'file', size: 10 });
    await handle.close();
    await handle.close(); // twice is harmless

    // The OS hands the freed number to the next open: the old handle must not read that file.
    const second = join(dir, 'second.jpg');
    await writeFile(second, 'second scan');
    const other = await nodeFileSystem.open(second);
    try {
      await expect(handle.read(buffer, 0, 32, 0)).rejects.toThrow(/closed/);
      await expect(handle.stat()).rejects.toThrow(/closed/);
      expect(await other.read(buffer, 0, 32, 0)).toBe(11);
    } finally {
      await other.close();
    }
  });
});
