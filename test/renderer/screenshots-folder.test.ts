import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, screenshotsDir } from './browser-harness.js';

describe('where the UI tests put their screenshots', () => {
  it('keeps a plain test run out of the checkout, so git status stays clean after npm test', () => {
    const dir = screenshotsDir({});
    expect(relative(ROOT, dir).startsWith('..')).toBe(true);
  });

  it('renews the README’s pictures in docs/screenshots only through npm run screenshots', async () => {
    expect(screenshotsDir({ CONCUR_DROP_SCREENSHOTS: 'update' })).toBe(
      join(ROOT, 'docs', 'screenshots'),
    );
    const scripts = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.screenshots).toMatch(
      /^CONCUR_DROP_SCREENSHOTS=update vitest run test\/renderer/,
    );
    expect(scripts.test).not.toContain('CONCUR_DROP_SCREENSHOTS');
  });
});
