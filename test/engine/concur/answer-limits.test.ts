import { beforeAll, describe, expect, it } from 'vitest';
import { pdf } from '../../fixtures/scans.js';
import { TOKEN, useSandboxClient } from './client-harness.js';

const h = useSandboxClient();
const { client, scan } = h;
const MB = 1024 * 1024;

let path: string;
beforeAll(async () => {
  path = await scan('answer-limits.pdf', await pdf());
});

/** Runs `work` and reports the highest RSS growth seen while it ran. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - before };
  } finally {
    clearInterval(sample);
  }
}

describe('an answer that never ends', () => {
  it('takes a 201 followed by a 200 MB body as uploaded, with its id, reading only the start', async () => {
    // Warmed up first, so lazily loaded code does not count as memory the answer took.
    h.sandbox.inject({ floodMb: 2 });
    await client().uploadImage({ kind: 'receipt' }, path);
    h.sandbox.reset();
    h.sandbox.inject({ floodMb: 200 });
    const started = Date.now();
    const { result: outcome, growth } = await peakRssGrowth(() =>
      client().uploadImage({ kind: 'receipt' }, path),
    );
    const [image] = h.sandbox.received();
    expect(outcome).toEqual({
      kind: 'uploaded',
      status: 201,
      imageId: image.imageId,
      correlationId: expect.any(String),
    });
    console.log(
      `200 MB flood: answered in ${Date.now() - started} ms, RSS grew ${Math.round(growth / MB)} MB`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(growth).toBeLessThan(50 * MB);
  }, 60_000);

  it('reads a flooded refusal by its status and retries later, sending nothing twice', async () => {
    h.sandbox.inject({ floodMb: 50, status: 503 });
    const started = Date.now();
    const outcome = await client().uploadImage({ kind: 'receipt' }, path);
    expect(outcome).toMatchObject({ kind: 'transient', status: 503 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.sandbox.received()).toEqual([]);
  }, 60_000);

  it('takes a 201 whose body drips a byte at a time as uploaded when the deadline passes', async () => {
    // ~250 bytes at one per 500 ms would hold the upload for two minutes.
    h.sandbox.inject({ dripMs: 500 });
    const started = Date.now();
    const outcome = await client({ timeouts: { totalMs: 1_500 } }).uploadImage(
      { kind: 'receipt' },
      path,
    );
    const took = Date.now() - started;
    expect(outcome).toMatchObject({ kind: 'uploaded', status: 201 });
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(5_000);
    expect(h.sandbox.received()).toHaveLength(1);
  }, 20_000);

  it('gives up on a refusal that drips, by the deadline, and retries later', async () => {
    h.sandbox.inject({ dripMs: 500, status: 503 });
    const started = Date.now();
    const outcome = await client({ timeouts: { totalMs: 1_500 } }).uploadImage(
      { kind: 'receipt' },
      path,
    );
    expect(outcome).toMatchObject({
      kind: 'transient',
      status: 503,
      message: expect.stringMatching(/unavailable/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.sandbox.received()).toEqual([]);
  }, 20_000);

  it('retries a 400 cut short, since only its missing words could say whether it is final', async () => {
    h.sandbox.inject({ dripMs: 500, status: 400 });
    const outcome = await client({ timeouts: { totalMs: 1_000 } }).uploadImage(
      { kind: 'receipt' },
      path,
    );
    expect(outcome).toMatchObject({
      kind: 'transient',
      status: 400,
      message: expect.stringMatching(/cut short/),
    });
  }, 20_000);

  it('stops waiting for an answer after the one deadline for the whole call', async () => {
    h.sandbox.inject({ hang: true });
    const started = Date.now();
    const outcome = await client({ timeouts: { totalMs: 800 } }).uploadImage(
      { kind: 'receipt' },
      path,
    );
    expect(outcome).toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/within 0.8 s/),
    });
    expect('status' in outcome).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);

  it('says an answer was lost when Concur stored the image and then cut the connection', async () => {
    h.sandbox.inject({ acceptThenDrop: true });
    const outcome = await client().uploadImage({ kind: 'receipt' }, path);
    expect(outcome).toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/closed before Concur answered/),
    });
    expect('status' in outcome).toBe(false);
    expect(h.sandbox.received()).toHaveLength(1);
  });
});

describe('keeping the token out of what Concur sends back', () => {
  it('redacts the token from the error id, the correlation id and the message', async () => {
    h.sandbox.inject(
      {
        status: 400,
        body: `<Error><Message>Token ${TOKEN} is odd</Message><Id>${TOKEN}</Id></Error>`,
        headers: { 'concur-correlationid': TOKEN },
      },
      {
        status: 403,
        body: JSON.stringify({ message: 'no', errorId: `E-${TOKEN}-1` }),
        headers: { 'concur-correlationid': `c-${TOKEN}` },
      },
      {
        status: 201,
        body: `<Image><Id>${TOKEN}</Id></Image>`,
        headers: { 'concur-correlationid': TOKEN },
      },
    );
    const c = client();
    const rejected = await c.uploadImage({ kind: 'receipt' }, path);
    const auth = await c.uploadImage({ kind: 'receipt' }, path);
    const uploaded = await c.uploadImage({ kind: 'receipt' }, path);
    expect(rejected).toMatchObject({
      kind: 'rejected',
      status: 400,
      message: 'Token «redacted» is odd',
      errorId: '«redacted»',
      correlationId: '«redacted»',
    });
    expect(auth).toMatchObject({
      kind: 'auth',
      errorId: 'E-«redacted»-1',
      correlationId: 'c-«redacted»',
    });
    expect(uploaded).toMatchObject({ kind: 'uploaded', correlationId: '«redacted»' });
    expect(JSON.stringify([rejected, auth, uploaded])).not.toContain(TOKEN);
  });

  it('keeps a huge message or error id from filling the ledger and the error file', async () => {
    h.sandbox.inject({
      status: 400,
      body: `<Error><Message>${'No. '.repeat(5_000)}</Message><Id>${'7'.repeat(30_000)}</Id></Error>`,
    });
    const outcome = await client().uploadImage({ kind: 'receipt' }, path);
    expect(outcome).toMatchObject({
      kind: 'rejected',
      message: expect.stringMatching(/^No\. No\./),
    });
    const { message, errorId } = outcome as { message: string; errorId: string };
    expect(message.length).toBeLessThanOrEqual(1000);
    expect(errorId.length).toBeLessThanOrEqual(200);
  });
});
