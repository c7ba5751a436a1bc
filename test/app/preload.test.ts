import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  CALL_NAMES,
  EVENT_NAMES,
  subscriptionName,
  type ConcurDropApi,
} from '../../preload/contract.js';
import { fake } from './fake-electron.js';
import { job } from './helpers.js';
import { ipcFixture } from './ipc-fixture.js';

let f: Awaited<ReturnType<typeof ipcFixture>>;
let api: ConcurDropApi;
let exposed: Map<string, unknown>;

beforeAll(async () => {
  fake.reset();
  // Loading the preload is what Electron does in the window: it exposes the API.
  await import('../../preload/index.js');
  exposed = new Map(fake.contextBridge.exposed);
});
beforeEach(async () => {
  fake.reset();
  f = await ipcFixture();
  fake.preloadTarget = f.win.webContents;
  api = exposed.get('concurDrop') as ConcurDropApi;
});
afterEach(() => f.close());

describe('the preload bridge', () => {
  test('exposes window.concurDrop with exactly the contract’s verbs and subscriptions', async () => {
    expect([...exposed.keys()]).toEqual(['concurDrop']);
    const keys = Object.keys(api).sort();
    expect(keys).toEqual([...CALL_NAMES, ...EVENT_NAMES.map(subscriptionName)].sort());
    expect(keys).not.toContain('invoke');
    expect(keys).not.toContain('send');
    expect(Object.isFrozen(api)).toBe(true);
  });

  test('each verb calls its own channel and returns main’s answer', async () => {
    expect(await api.retry('job-9')).toBe(true);
    expect(await api.getAppInfo()).toEqual({
      mode: 'desktop',
      version: '0.1.0',
      platform: 'linux',
    });
    expect(f.reached).toEqual([
      { name: 'retry', args: ['job-9'] },
      { name: 'getAppInfo', args: [] },
    ]);
  });

  test('a bad call from the page is refused by main', async () => {
    await expect((api.retry as (x: unknown) => Promise<boolean>)({ id: 1 })).rejects.toThrow(
      /refused/,
    );
  });

  test('subscriptions receive the payload only, and unsubscribe stops them', () => {
    const seen: unknown[] = [];
    const off = api.onJob((j) => seen.push(j.id));
    const focus: string[] = [];
    const offFocus = api.onFocusJob((id) => focus.push(id));
    const j = job();
    f.events.emit('job', j);
    f.window.focusJob('job-x');
    off();
    f.events.emit('job', job());
    expect(seen).toEqual([j.id]);
    expect(focus).toEqual(['job-x']);
    offFocus();
    expect(fake.ipcRenderer.listenerCount('concur-drop:event:job')).toBe(0);
    expect(fake.ipcRenderer.listenerCount('concur-drop:event:focusJob')).toBe(0);
  });
});
