import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiHandlers } from '../../main/engine/api/api-handlers.js';
import { setupIpc } from '../../main/app/ipc.js';
import { setupWindow } from '../../main/app/window.js';
import { CALL_NAMES } from '../../preload/contract.js';
import type { FakeBrowserWindow } from './fake-electron.js';
import { engineEvents, summary, until } from './helpers.js';

/**
 * The main side of IPC as the app wires it: our window, setupIpc, and a set of
 * handlers that answer like api-handlers.ts would and record what reached them.
 */
export async function ipcFixture() {
  const dir = await mkdtemp(join(tmpdir(), 'concur-drop-ipc-'));
  const rendererFile = join(dir, 'index.html');
  await writeFile(rendererFile, '<!doctype html><title>Concur Drop</title>');
  const window = setupWindow({ rendererFile, preloadFile: join(dir, 'preload.cjs') });
  const win = window.browserWindow as unknown as FakeBrowserWindow;
  await until(() => win.webContents.getURL().startsWith('file:'));

  const reached: { name: string; args: unknown[] }[] = [];
  const answers: Partial<Record<string, unknown>> = {
    getJobs: [],
    getSummary: summary(),
    retry: true,
    retryAllFailed: 0,
    sendWithout: false,
    showInFolder: false,
    locateJob: null,
    openRoot: false,
    saveSettings: { ok: true },
    setToken: { ok: true, message: 'Token saved' },
    checkConnection: { ok: true, message: 'Connected' },
    pickFolder: null,
    getAppInfo: { mode: 'desktop', version: '0.1.0', platform: 'linux' },
  };
  const handlers = Object.fromEntries(
    CALL_NAMES.map((name) => [
      name,
      async (...args: unknown[]) => {
        reached.push({ name, args });
        return answers[name];
      },
    ]),
  ) as unknown as ApiHandlers;

  const events = engineEvents();
  const undo = setupIpc({ handlers, window, engine: events as never });
  return {
    window,
    win,
    handlers,
    reached,
    events,
    rendererFile,
    async close() {
      undo();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
