import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  errorFilePath,
  finishFailed,
  restoreFromFailed,
  type FailureReport,
} from '../../../main/engine/finish/finish.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: root, cleanup } = await makeTempDir('concur-drop-failed-'));
});
afterEach(() => cleanup());

function report(relPath: string): FailureReport {
  return {
    relPath,
    error: { reason: 'The file is empty.', retryable: false, code: 'empty' },
    at: Date.UTC(2026, 0, 2),
  };
}

describe('the reason of a failed scan is kept', () => {
  it('moves a 247-character name to Failed/ with a shortened error file beside it', async () => {
    const name = `${'r'.repeat(243)}.pdf`;
    expect(name).toHaveLength(247);
    await writeFile(join(root, name), '');
    const landed = await finishFailed(root, report(name));
    expect(landed).toBe(join(root, 'Failed', name));
    expect(existsSync(join(root, name))).toBe(false);
    const files = await readdir(join(root, 'Failed'));
    const errorFile = files.find((f) => f.endsWith('.error.txt'))!;
    expect(Buffer.byteLength(errorFile)).toBeLessThanOrEqual(255);
    expect(errorFilePath(landed)).toBe(join(root, 'Failed', errorFile));
    const text = await readFile(join(root, 'Failed', errorFile), 'utf8');
    expect(text).toContain('Reason: The file is empty.');
    expect(text).toContain(`File: ${name}`);
    // Retry puts it back and finds the shortened error file to remove.
    await restoreFromFailed(root, landed, name);
    expect(await readdir(join(root, 'Failed'))).toEqual([]);
  });

  it('gives a clash in Failed/ a " (2)" that still fits in a name', async () => {
    const name = `${'é'.repeat(125)}.pdf`; // 254 bytes
    await mkdir(join(root, 'Failed'));
    await writeFile(join(root, 'Failed', name), 'earlier');
    await writeFile(join(root, name), 'now');
    const landed = await finishFailed(root, report(name));
    expect(landed).not.toBe(join(root, 'Failed', name));
    expect(await readFile(landed, 'utf8')).toBe('now');
    expect(await readFile(join(root, 'Failed', name), 'utf8')).toBe('earlier');
  });

  it('writes the reason to Failed/errors.txt when no error file can be written', async () => {
    await writeFile(join(root, 'scan.pdf'), '');
    // Something in the way of the error file: a folder of that name.
    await mkdir(join(root, 'Failed', 'scan.pdf.error.txt'), { recursive: true });
    const landed = await finishFailed(root, report('scan.pdf'));
    expect(landed).toBe(join(root, 'Failed', 'scan.pdf'));
    const failedLog = await readFile(join(root, 'Failed', 'errors.txt'), 'utf8');
    expect(failedLog).toContain('scan.pdf\n');
    expect(failedLog).toContain('Reason: The file is empty.');
  });
});
