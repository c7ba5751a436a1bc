import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startUiServer, type UiServer } from '../../main/ui-server/ui-server.js';
import { startHarness, type Harness, type HarnessOptions } from '../engine/api/api-harness.js';

/**
 * The built renderer in real Chromium (Debian's, through playwright-core),
 * served by the browser UI server against a real engine: the same path a
 * user of `concur-drop watch --ui-port` takes.
 */

const exec = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');
export const RENDERER_OUT = join(ROOT, 'out', 'renderer');
/**
 * Where the UI tests save their screenshots: the README's own, in
 * docs/screenshots, only when asked (`npm run screenshots` sets
 * `CONCUR_DROP_SCREENSHOTS=update`), so a test run leaves the checkout as it
 * was; otherwise a folder under the OS temp dir.
 */
export function screenshotsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONCUR_DROP_SCREENSHOTS === 'update'
    ? join(ROOT, 'docs', 'screenshots')
    : join(tmpdir(), 'concur-drop-screenshots');
}
export const SCREENSHOTS = screenshotsDir();
export const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path))
    newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/**
 * Builds out/renderer when it is missing or older than its sources (`npm test`
 * builds first, so in CI this is a no-op). Only the renderer is built, under a
 * lock, so two test files never build at once.
 */
export async function ensureRendererBuilt(): Promise<void> {
  const lock = join(ROOT, 'out', '.renderer-build.lock');
  await mkdir(join(ROOT, 'out'), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // A lock left by a killed run is stale after two minutes; a build takes seconds.
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 120_000) await rmdir(lock).catch(() => undefined);
      if (i > 1200) throw new Error(`could not take ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const sources = Math.max(
      await newestMtime(join(ROOT, 'renderer')),
      await newestMtime(join(ROOT, 'preload', 'contract.ts')),
      await newestMtime(join(ROOT, 'main', 'engine', 'settings', 'schema.ts')),
      await newestMtime(join(ROOT, 'main', 'engine', 'i18n')),
      await newestMtime(join(ROOT, 'locales')),
    );
    const built = await stat(join(RENDERER_OUT, 'index.html')).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (built < sources)
      await exec('npx', ['vite', 'build', '--config', 'renderer/vite.config.ts'], { cwd: ROOT });
  } finally {
    await rmdir(lock);
  }
}

/** Headless Chromium with the switches a shared CI machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface OpenUi {
  ui: UiServer;
  page: Page;
  /** Errors the page logged or threw; a test ends by expecting none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Serves the UI for a harness and opens it in a fresh browser context. */
export async function openUi(
  browser: Browser,
  h: Harness,
  hash = '',
  handlers = h.handlers,
  options: { locale?: string; beforeLoad?: (page: Page) => Promise<void> } = {},
): Promise<OpenUi> {
  const ui = await startUiServer({
    handlers,
    engine: h.engine,
    port: 0,
    staticDir: RENDERER_OUT,
  });
  const context = await browser.newContext({
    viewport: { width: 1180, height: 760 },
    deviceScaleFactor: 1,
    locale: options.locale ?? 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  await options.beforeLoad?.(page);
  await page.goto(ui.url + hash);
  return {
    ui,
    page,
    pageErrors,
    async close() {
      await context.close();
      await ui.close();
    },
  };
}

/** Runs axe-core in the page; returns the serious and critical violations, readable. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated rather than added as a <script>: the page's CSP rightly refuses inline scripts.
  await page.evaluate(await readFile(AXE, 'utf8'));
  const result = (await page.evaluate('window.axe.run()')) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/** The row of the job named `name`. */
export const rowOf = (page: Page, name: string) =>
  page.locator('li.job').filter({ has: page.locator('.job-name', { hasText: name }) });

// Code that runs in the page is written as expressions: the Node typecheck has no DOM types.
export const inPage = {
  /** "role-or-tag:accessible-ish name" of the focused element. */
  focused: `(() => {
    const el = document.activeElement;
    const name = el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '';
    return (el?.getAttribute('role') ?? el?.tagName.toLowerCase()) + ':' + name;
  })()`,
  focusedText: `document.activeElement?.textContent?.trim()`,
  focusedJobId: `document.activeElement?.getAttribute('data-job-id')`,
  blur: `document.activeElement?.blur()`,
  /**
   * Text boxes of one status row that intersect (a pill over a file name):
   * "row: a ⨯ b" for each pair, none when the row holds at any text length.
   */
  rowOverlaps: `(() => {
    const parts = '.badge, .job-name, .job-meta, .job-detail, .job-image, .job-time, .job-actions button';
    const out = [];
    for (const row of document.querySelectorAll('li.job')) {
      const boxes = [...row.querySelectorAll(parts)]
        .filter((el) => el.getClientRects().length > 0)
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && r.height > 0);
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
          const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
          const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
          if (x > 1 && y > 1)
            out.push(row.dataset.jobId + ': ' + a.el.className + ' ⨯ ' + b.el.className);
        }
    }
    return out;
  })()`,
  /** The window scrolls inside <main>: back to its top before a screenshot. */
  scrollTop: `document.querySelector('main').scrollTop = 0`,
  /** Resolves on the next frame: how long the page's main thread takes to answer. */
  nextFrame: `new Promise((resolve) => requestAnimationFrame(() => resolve(null)))`,
};

/** What useBrowserUi set up: Chromium, the engine harness, and the window when one was opened. */
export interface BrowserUi {
  browser: Browser;
  h: Harness;
  open: OpenUi;
  page: Page;
}

/**
 * The set-up every Chromium suite shares, as beforeAll/afterAll hooks: build
 * the renderer, launch Chromium and start a harness side by side, open the
 * window, and close all three afterwards. `assign` hands them to the suite's
 * own variables once they exist.
 */
export function useBrowserUi(
  options: {
    harness?: HarnessOptions;
    /** Where the window opens ("#settings/account"); false: the suite opens its own. */
    hash?: string | false;
    /** A folder made first, for the suite's screenshots. */
    screenshots?: string;
    /** Runs once the harness is up, before the window opens; may give the window's handlers. */
    setUp?: (ui: Pick<BrowserUi, 'browser' | 'h'>) => Promise<Harness['handlers'] | void>;
    /** Runs once the window is open (wait for a row, grant a permission). */
    opened?: (page: Page) => Promise<void>;
  },
  assign: (ui: BrowserUi) => void,
): void {
  const ui = {} as Partial<BrowserUi>;
  beforeAll(async () => {
    await ensureRendererBuilt();
    if (options.screenshots) await mkdir(options.screenshots, { recursive: true });
    [ui.browser, ui.h] = await Promise.all([launchChromium(), startHarness(options.harness)]);
    assign(ui as BrowserUi);
    const handlers = await options.setUp?.({ browser: ui.browser, h: ui.h });
    if (options.hash !== false) {
      ui.open = await openUi(ui.browser, ui.h, options.hash ?? '', handlers ?? ui.h.handlers);
      ui.page = ui.open.page;
      await options.opened?.(ui.page);
    }
    assign(ui as BrowserUi);
  }, 120_000);
  afterAll(async () => {
    await ui.open?.close();
    await ui.browser?.close();
    await ui.h?.close();
  });
}
