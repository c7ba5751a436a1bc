import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type ReceivedImage, type Sandbox } from '../../main/sandbox/index.js';
import { png } from '../fixtures/scans.js';
import { send } from './raw-http.js';

let sandbox: Sandbox;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const control = (path: string) => `${sandbox.url}/_sandbox/${path}`;
const upload = (token = sandbox.token) =>
  send(`${sandbox.url}/api/image/v1.0/receipt`, {
    headers: { authorization: `OAuth ${token}`, 'content-type': 'image/png' },
    body: png(),
  });

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

describe('rehearsing a bad day with injected faults', () => {
  it('answers queued statuses in order, with Retry-After and a custom body, then behaves again', async () => {
    sandbox.inject(
      { status: 503, retryAfter: 30 },
      { status: 429, retryAfter: 'Wed, 21 Oct 2037 07:28:00 GMT' },
      { status: 400, body: '{"message":"Rate limit"}' },
    );
    const a = await upload();
    expect(a.status).toBe(503);
    expect(a.headers['retry-after']).toBe('30');
    expect(a.body).toContain('<Error><Message>');
    expect(a.headers['concur-correlationid']).toBeTruthy();
    const b = await upload();
    expect([b.status, b.headers['retry-after']]).toEqual([429, 'Wed, 21 Oct 2037 07:28:00 GMT']);
    const c = await upload();
    expect([c.status, c.body, c.headers['content-type']]).toEqual([
      400,
      '{"message":"Rate limit"}',
      'application/json; charset=utf-8',
    ]);
    expect((await upload()).status).toBe(201);
    expect(sandbox.requests()).toBe(4);
    expect(sandbox.received()).toHaveLength(1);
  });

  it('drops the connection without an answer', async () => {
    sandbox.inject({ drop: true });
    await expect(upload()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox.received()).toEqual([]);
    expect(sandbox.requests()).toBe(1);
  });

  it('answers late after a delay, and never after a hang until it closes', async () => {
    sandbox.inject({ delayMs: 400 });
    const started = Date.now();
    expect((await upload()).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);

    const hanging = await startSandbox();
    hanging.inject({ hang: true });
    let outcome = 'pending';
    const hung = send(`${hanging.url}/api/image/v1.0/receipt`, {
      headers: { authorization: `OAuth ${hanging.token}`, 'content-type': 'image/png' },
      body: png(),
    }).then(
      () => (outcome = 'answered'),
      () => (outcome = 'closed without an answer'),
    );
    for (let i = 0; i < 200 && hanging.requests() === 0; i++) await sleep(25);
    expect(hanging.requests()).toBe(1);
    await sleep(300); // long enough for any answer to have come back on loopback
    const closedAt = Date.now();
    await hanging.close();
    expect(outcome).toBe('pending');
    await hung;
    expect(outcome).toBe('closed without an answer');
    expect(Date.now() - closedAt).toBeLessThan(5_000);
  });
});

describe('answers that go wrong after Concur took the image', () => {
  it('stores the image, then cuts the connection before answering (a lost answer)', async () => {
    sandbox.inject({ acceptThenDrop: true });
    await expect(upload()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox.received()).toHaveLength(1);
    expect((await upload()).status).toBe(201);
  });

  it('floods a success answer of the size asked for, the image id first', async () => {
    sandbox.inject({ floodMb: 3 });
    const answer = await upload();
    expect(answer.status).toBe(201);
    expect(answer.body.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    const [image] = sandbox.received();
    expect(answer.body.indexOf(`<Id>${image.imageId}</Id>`)).toBeLessThan(1000);
    expect(answer.body.trimEnd()).toMatch(/<\/Image>$/);
  });

  it('floods a refusal without storing anything', async () => {
    sandbox.inject({ floodMb: 1, status: 503 });
    const answer = await upload();
    expect(answer.status).toBe(503);
    expect(answer.body.length).toBeGreaterThan(1024 * 1024);
    expect(answer.body).toMatch(/^<\?xml[\s\S]*<Error><Message>[^<]*unavailable/);
    expect(sandbox.received()).toEqual([]);
  });

  it('drips the answer a byte at a time, after storing the image for a 2xx', async () => {
    sandbox.inject({ dripMs: 2 }, { dripMs: 2, status: 500 });
    const started = Date.now();
    const ok = await upload();
    // A ~250-byte document at one byte per 2 ms cannot arrive in much less than 0.5 s.
    expect(Date.now() - started).toBeGreaterThan(400);
    expect(ok.status).toBe(201);
    expect(ok.body).toContain(`<Id>${sandbox.received()[0].imageId}</Id>`);
    const refused = await upload();
    expect(refused.status).toBe(500);
    expect(refused.body).toContain('internal error');
    expect(sandbox.received()).toHaveLength(1);
  });
});

describe('the control interface over HTTP', () => {
  it('reads back what arrived and how many requests came', async () => {
    await upload();
    const answer = await send(control('received'), { method: 'GET' });
    expect(answer.status).toBe(200);
    const list = JSON.parse(answer.body) as ReceivedImage[];
    expect(list).toEqual(sandbox.received());
    expect(list[0]).toMatchObject({
      kind: 'receipt',
      contentType: 'image/png',
      size: png().length,
    });
    expect(JSON.parse((await send(control('requests'), { method: 'GET' })).body)).toEqual({
      requests: 1,
    });
  });

  it('queues faults sent as JSON', async () => {
    const queued = await send(control('faults'), {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { status: 500, headers: { 'concur-correlationid': 'C-1' } },
        { delayMs: 10 },
        { floodMb: 0.5, status: 502 },
        { dripMs: 1 },
        { acceptThenDrop: true },
      ]),
    });
    expect(queued.status).toBe(200);
    expect(JSON.parse(queued.body)).toEqual({ queued: 5 });
    const first = await upload();
    expect([first.status, first.headers['concur-correlationid']]).toEqual([500, 'C-1']);
    expect((await upload()).status).toBe(201);
    expect((await upload()).status).toBe(502);
    expect((await upload()).status).toBe(201);
    await expect(upload()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox.received()).toHaveLength(3);
    const bad = await send(control('faults'), { body: '[{"status":"soon"}]' });
    expect(bad.status).toBe(400);
    expect((await send(control('faults'), { body: '[not json' })).status).toBe(400);
    expect((await upload()).status).toBe(201);
  });

  it('resets, forgetting images and entries that had one', async () => {
    await upload();
    sandbox.inject({ status: 500 });
    expect((await send(control('reset'))).status).toBe(200);
    expect(sandbox.received()).toEqual([]);
    expect((await upload()).status).toBe(201);
  });

  it('changes the token, as JSON or plain text, without echoing it', async () => {
    const answer = await send(control('token'), { body: JSON.stringify({ token: 'fresh-1' }) });
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain('fresh-1');
    expect((await upload('fresh-1')).status).toBe(201);
    expect((await upload('sandbox-token')).status).toBe(403);
    expect((await send(control('token'), { body: 'fresh-2\n' })).status).toBe(200);
    expect(sandbox.token).toBe('fresh-2');
    expect((await send(control('token'), { body: '' })).status).toBe(400);
    sandbox.setToken('sandbox-token');
  });

  it('refuses requests that name a foreign host (DNS rebinding) and unknown routes', async () => {
    const foreign = await send(control('received'), {
      method: 'GET',
      headers: { host: 'evil.example' },
    });
    expect(foreign.status).toBe(403);
    const viaLocalhost = await send(control('received'), {
      method: 'GET',
      headers: { host: `localhost:${sandbox.port}` },
    });
    expect(viaLocalhost.status).toBe(200);
    expect((await send(control('nothing'), { method: 'GET' })).status).toBe(404);
    expect((await send(control('token'), { method: 'GET' })).status).toBe(404);
  });
});
