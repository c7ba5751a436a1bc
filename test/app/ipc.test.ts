import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { configureLogging, registerSecret } from '../../main/engine/log/logger.js';
import { CALL_NAMES, callChannel, eventChannel } from '../../preload/contract.js';
import { fake, FakeBrowserWindow, FakeFrame, ipcMain } from './fake-electron.js';
import { job, summary } from './helpers.js';
import { ipcFixture } from './ipc-fixture.js';

let f: Awaited<ReturnType<typeof ipcFixture>>;
beforeEach(async () => {
  fake.reset();
  f = await ipcFixture();
});
afterEach(() => f.close());

const fromOurPage = (channel: string, ...args: unknown[]) =>
  ipcMain.invokeFrom(f.win.webContents, f.win.webContents.mainFrame, channel, ...args);

describe('IPC', () => {
  test('registers exactly one handler per contract call', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(CALL_NAMES.map(callChannel).sort());
  });

  test('good calls from our window reach the handlers with their arguments', async () => {
    expect(await fromOurPage(callChannel('retry'), 'job-7')).toBe(true);
    expect(await fromOurPage(callChannel('getJobs'), 'failed', 50)).toEqual([]);
    expect(await fromOurPage(callChannel('setToken'), '  secret-token  ')).toEqual({
      ok: true,
      message: 'Token saved',
    });
    expect(f.reached).toEqual([
      { name: 'retry', args: ['job-7'] },
      { name: 'getJobs', args: ['failed', 50] },
      { name: 'setToken', args: ['secret-token'] }, // the schema trims it
    ]);
  });

  test('refuses calls with bad arguments before they reach a handler', async () => {
    await expect(fromOurPage(callChannel('retry'))).rejects.toThrow(
      /retry was refused: its arguments/,
    );
    await expect(fromOurPage(callChannel('retry'), 42)).rejects.toThrow(/refused/);
    await expect(fromOurPage(callChannel('retry'), 'x'.repeat(65))).rejects.toThrow(/refused/);
    await expect(fromOurPage(callChannel('getJobs'), 'everything')).rejects.toThrow(/refused/);
    await expect(fromOurPage(callChannel('pause'), 'extra')).rejects.toThrow(/refused/);
    await expect(fromOurPage(callChannel('setToken'), '   ')).rejects.toThrow(/refused/);
    expect(f.reached).toEqual([]);
  });

  test('refuses a call from another window, a subframe or a foreign page', async () => {
    const other = new FakeBrowserWindow();
    await other.loadFile(f.rendererFile);
    const wc = f.win.webContents;
    const attempts = [
      ipcMain.invokeFrom(other.webContents, other.webContents.mainFrame, callChannel('pause')),
      ipcMain.invokeFrom(wc, new FakeFrame(wc.mainFrame.url, wc.mainFrame), callChannel('pause')),
      ipcMain.invokeFrom(wc, new FakeFrame('https://evil.example.com/'), callChannel('pause')),
      ipcMain.invokeFrom(wc, null, callChannel('pause')),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toThrow(
        /pause was refused: it did not come from the Concur Drop window/,
      );
    }
    expect(f.reached).toEqual([]);
  });

  test('logs each refusal with the call and the foreign page, never the arguments', async () => {
    const lines: string[] = [];
    configureLogging({ dir: null, listener: (line) => lines.push(line) });
    try {
      const wc = f.win.webContents;
      await expect(
        ipcMain.invokeFrom(
          wc,
          new FakeFrame('https://evil.example.com/'),
          callChannel('setToken'),
          'stolen-token-value',
        ),
      ).rejects.toThrow(/refused/);
      await expect(fromOurPage(callChannel('setToken'), 'x'.repeat(9000))).rejects.toThrow(
        /refused/,
      );
    } finally {
      configureLogging({ dir: null });
    }
    const refusals = lines.filter((l) => l.includes('refused a call'));
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toContain('https://evil.example.com/');
    expect(refusals[0]).toContain('"call":"setToken"');
    expect(lines.join('\n')).not.toContain('stolen-token-value');
  });

  test('a failing call reaches the page without the token in its message', async () => {
    const token = 'ipc-secret-token-8842';
    registerSecret(token);
    (f.handlers as { checkConnection: () => Promise<unknown> }).checkConnection = async () => {
      throw new Error(`request failed: {"headers":{"x-token":"${token}"}}`);
    };
    const failure = fromOurPage(callChannel('checkConnection'));
    await expect(failure).rejects.toThrow(/request failed/);
    await expect(failure).rejects.not.toThrow(token);
  });

  test('refuses calls once our window shows a page that is not ours', async () => {
    await f.win.webContents.loadURL('https://evil.example.com/');
    await expect(fromOurPage(callChannel('getSummary'))).rejects.toThrow(/refused/);
  });

  test('forwards engine events to the window 1:1, notices without their paths', () => {
    const j = job({ state: 'uploading', progress: 0.5 });
    f.events.emit('job', j);
    f.events.emit('summary', summary({ uploading: 1 }));
    f.events.emit('notice', {
      level: 'warn',
      message: 'Skipped a folder link',
      path: '/home/anna/x',
    });
    expect(f.win.webContents.sent).toEqual([
      { channel: eventChannel('job'), args: [j] },
      { channel: eventChannel('summary'), args: [summary({ uploading: 1 })] },
      {
        channel: eventChannel('notice'),
        args: [{ level: 'warn', message: 'Skipped a folder link' }],
      },
    ]);
  });
});
