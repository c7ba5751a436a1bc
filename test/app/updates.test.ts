import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppImageUpdater } from 'electron-updater';
import { ElectronAppAdapter } from 'electron-updater/out/ElectronAppAdapter.js';
import { ElectronHttpExecutor } from 'electron-updater/out/electronHttpExecutor.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setupEngine, type AppContext } from '../../main/app/engine-host.js';
import { setupQuit } from '../../main/app/quit.js';
import { setupUpdates, type Updates } from '../../main/app/updates.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/index.js';
import { png } from '../fixtures/scans.js';
import { fake } from './fake-electron.js';
import { until } from './helpers.js';

/**
 * The update flow against a local feed (a loopback server with latest-linux.yml),
 * with electron-updater's real AppImage updater over the Electron stand-in:
 * found, downloaded while an upload goes on, installed only at quit, once the
 * engine has stopped and the upload in flight has finished.
 */

const TOKEN = 'updates-test-token';
const OLD = Buffer.from('the installed Concur Drop 0.1.0');
// An AppImage runs itself once installed (APPIMAGE_EXIT_AFTER_INSTALL): this one just exits.
const NEW = Buffer.from('#!/bin/sh\n# the new Concur Drop 0.2.0, from the feed\nexit 0\n');

/** electron-updater fetches through Electron's `net`; in Node, through node:http on loopback. */
class LoopbackExecutor extends ElectronHttpExecutor {
  override createRequest(options: object, callback: (response: IncomingMessage) => void) {
    const request: ClientRequest = http.request(options);
    request.on('response', callback);
    return request as unknown as ReturnType<ElectronHttpExecutor['createRequest']>;
  }
}

let dir: string;
let appImage: string;
let feed: http.Server;
let feedUrl: string;
const fetched: string[] = [];
let sandbox: Sandbox;
let ctx: AppContext;
let updates: Updates | null;
let quit: () => void;
const events: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  fake.reset();
  fake.app.isPackaged = true;
  fake.app.becomeReady();
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-updates-'));
  appImage = join(dir, 'ConcurDrop.AppImage');
  await writeFile(appImage, OLD);
  process.env.APPIMAGE = appImage;
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  process.env.CONCUR_DROP_TOKEN = TOKEN;
  fake.app.setPath('userData', join(dir, 'userData'));

  const sha512 = createHash('sha512').update(NEW).digest('base64');
  const yml = [
    'version: 0.2.0',
    'files:',
    '  - url: Concur-Drop-0.2.0.AppImage',
    `    sha512: ${sha512}`,
    `    size: ${NEW.length}`,
    'path: Concur-Drop-0.2.0.AppImage',
    `sha512: ${sha512}`,
    "releaseDate: '2026-11-29T00:00:00.000Z'",
  ].join('\n');
  feed = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://feed').pathname;
    fetched.push(path);
    if (path === '/latest-linux.yml') return void res.end(yml);
    if (path === '/Concur-Drop-0.2.0.AppImage') return void res.end(NEW);
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/`;

  sandbox = await startSandbox({ token: TOKEN });
  const scans = join(dir, 'Scans');
  const policy = join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ updates: { feedUrl } }));
  await writeFile(join(dir, 'app-update.yml'), 'updaterCacheDirName: concur-drop-updater\n');
  await mkdir(scans, { recursive: true });
  await mkdir(join(dir, 'userData'), { recursive: true });
  await writeFile(
    join(dir, 'userData', 'settings.json'),
    JSON.stringify({
      schemaVersion: 1,
      concur: { baseUrl: sandbox.url },
      folders: [{ path: scans }],
      settleMs: 100,
      afterUpload: 'keep',
    }),
  );
  ctx = await setupEngine({
    dataDir: join(dir, 'userData'),
    version: '0.1.0',
    parentWindow: () => null,
    env: { ...process.env, CONCUR_DROP_POLICY: policy },
  });
  await ctx.engine.start();
  quit = setupQuit({
    engine: {
      ...ctx.engine,
      stop: async () => {
        await ctx.engine.stop();
        events.push('engine stopped');
      },
    } as typeof ctx.engine,
    onQuitting: () => undefined,
  });
  updates = await setupUpdates({
    policy: ctx.policy,
    updater: () => {
      const updater = new AppImageUpdater(undefined, new ElectronAppAdapter(fake.app as never));
      updater.updateConfigPath = join(dir, 'app-update.yml');
      (updater as unknown as { httpExecutor: ElectronHttpExecutor }).httpExecutor =
        new LoopbackExecutor();
      return updater;
    },
  });
}, 30_000);

afterAll(async () => {
  updates?.stop();
  if (!fake.app.quitted) await ctx?.engine.stop();
  process.env = saved;
  await sandbox?.close();
  await new Promise((resolve) => feed?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('updates from the feed the policy names', () => {
  test('are found and downloaded while an upload goes on, and not applied while the app runs', async () => {
    expect(updates).not.toBeNull();
    sandbox.inject({ delayMs: 1500 });
    await writeFile(join(dir, 'Scans', 'a.png'), png());
    await until(() => sandbox.requests() === 1, 15_000);
    await updates!.check();
    expect(fetched).toEqual(['/latest-linux.yml', '/Concur-Drop-0.2.0.AppImage']);
    expect(await readFile(appImage)).toEqual(OLD);
    await until(() => sandbox.received().length === 1, 15_000);
    expect(await readFile(appImage)).toEqual(OLD);
  });

  test('are installed at quit, only after the engine stopped (and with it the upload in flight)', async () => {
    sandbox.inject({ delayMs: 1500 });
    await writeFile(join(dir, 'Scans', 'b.png'), png(40, 30));
    await until(() => sandbox.requests() === 2, 15_000);
    fake.app.once('quit', () => events.push('quit'));
    quit();
    expect(await readFile(appImage)).toEqual(OLD);
    await until(() => fake.app.quitted, 20_000);
    expect(events).toEqual(['engine stopped', 'quit']);
    // Quitting stopped the upload in flight, as any quit does: Concur kept nothing, it resumes at the next start.
    expect(sandbox.received()).toHaveLength(1);
    expect(await readFile(appImage)).toEqual(NEW);
  });

  test('are never looked for when the policy turns them off, or there is no policy', async () => {
    const never = () => {
      throw new Error('no updater may be made');
    };
    const file = join(dir, 'policy.json');
    const off = { file, presets: {}, locked: [], updates: 'off' as const };
    expect(await setupUpdates({ policy: { policy: off }, updater: never })).toBeNull();
    expect(await setupUpdates({ policy: { policy: null }, updater: never })).toBeNull();
  });
});
