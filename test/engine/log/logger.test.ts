import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLog, configureLogging, createLogger } from '../../../main/engine/log/logger.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

afterEach(() => configureLogging({ dir: null }));

describe('the log file', () => {
  it('keeps every line, newest in concur-drop.log, and rotates by size into the generations kept', async () => {
    const tmp = await makeTempDir('concur-drop-log-');
    try {
      configureLogging({ dir: tmp.path, maxBytes: 2000, keep: 2 });
      const log = createLogger('test');
      for (let i = 0; i < 60; i++) log.info('a line', { i });
      closeLog();
      const file = `${tmp.path}/concur-drop.log`;
      const current = readFileSync(file, 'utf8').trim().split('\n');
      expect(JSON.parse(current.at(-1)!)).toMatchObject({ message: 'a line', i: 59 });
      expect(readFileSync(file).length).toBeLessThan(2000 + 200);
      expect(existsSync(`${file}.1`)).toBe(true);
      expect(existsSync(`${file}.2`)).toBe(true);
      expect(existsSync(`${file}.3`)).toBe(false);
      // Rotated generations hold the lines just before, in order.
      const previous = readFileSync(`${file}.1`, 'utf8').trim().split('\n');
      const last = JSON.parse(previous.at(-1)!) as { i: number };
      expect(JSON.parse(current[0]) as { i: number }).toMatchObject({ i: last.i + 1 });
    } finally {
      await tmp.cleanup();
    }
  });

  it('goes on after the file was deleted under it, and never throws', async () => {
    const tmp = await makeTempDir('concur-drop-log-');
    try {
      configureLogging({ dir: tmp.path });
      const log = createLogger('test');
      log.info('before');
      await tmp.cleanup();
      expect(() => log.info('after the folder went')).not.toThrow();
    } finally {
      await tmp.cleanup();
    }
  });
});
