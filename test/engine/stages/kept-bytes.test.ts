import { describe, expect, it } from 'vitest';
import { KeptBytes } from '../../../main/engine/stages/kept-bytes.js';

const version = (size: number, sha256 = 'a'.repeat(64), mtimeMs = 1000) => ({
  size,
  mtimeMs,
  sha256,
});

describe('receipts kept in memory from inspection to upload', () => {
  it('hands bytes over once, and only for the version they are', () => {
    const kept = new KeptBytes();
    const bytes = Buffer.alloc(100, 1);
    kept.keep('job', bytes, version(100));
    expect(kept.take('job', version(100, 'b'.repeat(64)))).toBeUndefined();
    kept.keep('job', bytes, version(100));
    expect(kept.take('job', version(100, undefined, 2000))).toBeUndefined();
    kept.keep('job', bytes, version(100));
    expect(kept.take('job', version(100))).toBe(bytes);
    // Taken: a retry of the same upload reads its file.
    expect(kept.take('job', version(100))).toBeUndefined();
    expect(kept.bytes).toBe(0);
  });

  it('stays within its bounds however far uploads fall behind (held for sign-in, a full disk)', () => {
    const kept = new KeptBytes(256, 1024 * 1024);
    for (let i = 0; i < 20_000; i++)
      kept.keep(`job-${i}`, Buffer.alloc(50 * 1024), version(50 * 1024));
    expect(kept.files).toBeLessThanOrEqual(256);
    expect(kept.bytes).toBeLessThanOrEqual(1024 * 1024);
    // The newest are kept, the oldest let go (their uploads read the file).
    expect(kept.take('job-19999', version(50 * 1024))).toBeDefined();
    expect(kept.take('job-0', version(50 * 1024))).toBeUndefined();
  });

  it('keeps nothing that is not the whole file, and lets go of a job that left', () => {
    const kept = new KeptBytes();
    kept.keep('short', Buffer.alloc(10), version(11));
    expect(kept.files).toBe(0);
    kept.keep('left', Buffer.alloc(10), version(10));
    kept.drop('left');
    expect(kept.take('left', version(10))).toBeUndefined();
    expect(kept.bytes).toBe(0);
  });
});
