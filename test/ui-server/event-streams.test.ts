import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../main/ui-server/ui-server.js';
import { jpeg } from '../fixtures/scans.js';
import { startHarness, type Harness } from '../engine/api/api-harness.js';

const STREAMS = 15;

let h: Harness;
let ui: UiServer;
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

beforeAll(async () => {
  process.on('warning', onWarning);
  h = await startHarness();
  ui = await startUiServer({
    handlers: h.handlers,
    engine: h.engine,
    port: 0,
    staticDir: '/nonexistent',
  });
});

afterAll(async () => {
  process.off('warning', onWarning);
  await ui?.close();
  await h?.close();
});

/** Opens an event stream; resolves with the states seen for `name` once it is uploaded. */
function follow(name: string): {
  req: ClientRequest;
  uploaded: Promise<string[]>;
  open: Promise<void>;
} {
  let req!: ClientRequest;
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const uploaded = new Promise<string[]>((resolve, reject) => {
    const seen: string[] = [];
    req = request(
      {
        host: '127.0.0.1',
        port: ui.port,
        path: `/api/events?token=${ui.token}`,
        headers: { host: `127.0.0.1:${ui.port}` },
      },
      (res) => {
        opened();
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const frames = buffer.split('\n\n');
          buffer = frames.pop()!;
          for (const frame of frames) {
            const m = /^event: (\w+)\ndata: (.*)$/.exec(frame);
            if (m?.[1] === 'job' && JSON.parse(m[2]).name === name)
              seen.push(JSON.parse(m[2]).state);
          }
          if (seen.includes('uploaded')) resolve(seen);
        });
      },
    );
    req.on('error', (e) => reject(e));
    req.end();
  });
  return { req, uploaded, open };
}

describe('many browser tabs on one status window', () => {
  it(`serves ${STREAMS} event streams without a listener leak warning, each seeing every job`, async () => {
    const before = h.engine.listenerCount('job');
    const tabs = Array.from({ length: STREAMS }, () => follow('tabs.jpg'));
    await Promise.all(tabs.map((t) => t.open));
    // The server listens once, however many tabs follow it.
    expect(h.engine.listenerCount('job')).toBe(before);
    await h.drop('tabs.jpg', jpeg());
    const states = await Promise.all(tabs.map((t) => t.uploaded));
    for (const seen of states) expect(seen).toContain('uploaded');
    for (const t of tabs) t.req.destroy();
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
