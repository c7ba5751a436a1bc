import { describe, expect, it, beforeAll } from 'vitest';
import { startSandbox } from '../../../main/sandbox/index.js';
import type { UploadTarget } from '../../../main/engine/types.js';
import { jpeg, pdf } from '../../fixtures/scans.js';
import { TOKEN, useSandboxClient } from './client-harness.js';

const h = useSandboxClient();
const { client, scan } = h;

describe("understanding Concur's answers", () => {
  let path: string;
  beforeAll(async () => {
    path = await scan('answer.pdf', await pdf());
  });
  const upload = (target: UploadTarget = { kind: 'report', id: 'R9' }, c = client()) =>
    c.uploadImage(target, path);

  it('treats a missing or bad Authorization (401) and a refused token (403) as sign-in needed', async () => {
    const wrongToken = await upload(undefined, client({ getToken: async () => 'wrong-token' }));
    expect(wrongToken).toMatchObject({ kind: 'auth', status: 403, errorId: expect.any(String) });
    expect(wrongToken.kind === 'auth' && wrongToken.message).toMatch(/token/i);
    h.sandbox.inject({ status: 401 });
    expect(await upload()).toMatchObject({ kind: 'auth', status: 401 });
  });

  it("keeps Concur's message, error id and correlation id from the unnamespaced Error XML", async () => {
    h.sandbox.inject({
      status: 400,
      body: '<Error><Message>Invalid expense type</Message><Server-Time>2026-01-01T00:00:00</Server-Time><Id>E-77</Id></Error>',
    });
    const outcome = await upload();
    expect(outcome).toMatchObject({
      kind: 'rejected',
      status: 400,
      message: 'Invalid expense type',
      errorId: 'E-77',
    });
    expect((outcome as { correlationId?: string }).correlationId).toBeTruthy();
  });

  it('reads a namespaced or prefixed Error XML and flattens nested markup in Message', async () => {
    h.sandbox.inject(
      {
        status: 400,
        body: '<?xml version="1.0"?><c:Error xmlns:c="urn:concur"><c:Message>The <b>report</b> is <i>submitted</i>;<br/>no changes &amp; no images.</c:Message><c:Id>X1</c:Id></c:Error>',
      },
      {
        status: 400,
        body: '<Error xmlns="http://www.concursolutions.com/api/error/2011/02"><Message>&lt;p&gt;Bad &lt;em&gt;thing&lt;/em&gt;&lt;/p&gt;</Message><Id>X2</Id></Error>',
      },
    );
    expect(await upload()).toMatchObject({
      kind: 'rejected',
      message: 'The report is submitted; no changes & no images.',
      errorId: 'X1',
    });
    expect(await upload()).toMatchObject({ kind: 'rejected', message: 'Bad thing', errorId: 'X2' });
  });

  it('reads the Image answer with or without its namespace', async () => {
    h.sandbox.inject(
      { status: 200, body: '<Image><Id>plain-id</Id><Url/></Image>' },
      {
        status: 201,
        body: '<i:Image xmlns:i="http://www.concursolutions.com/api/image/2011/02"><i:Id>prefixed-id</i:Id><i:Url/></i:Image>',
      },
    );
    expect(await upload()).toMatchObject({ kind: 'uploaded', status: 200, imageId: 'plain-id' });
    expect(await upload()).toMatchObject({ kind: 'uploaded', status: 201, imageId: 'prefixed-id' });
  });

  it('reads JSON error bodies of the usual shapes', async () => {
    h.sandbox.inject(
      { status: 400, body: '{"Message":"Bad id","Id":"J1"}' },
      { status: 404, body: '{"error":{"message":"No such report"}}' },
      { status: 401, body: '{"error":"invalid_token","error_description":"Token expired"}' },
      { status: 400, body: '{"message":"lower case"}' },
    );
    expect(await upload()).toMatchObject({
      kind: 'rejected',
      status: 400,
      message: 'Bad id',
      errorId: 'J1',
    });
    expect(await upload()).toMatchObject({
      kind: 'rejected',
      status: 404,
      message: 'No such report',
    });
    expect(await upload()).toMatchObject({ kind: 'auth', status: 401, message: 'Token expired' });
    expect(await upload()).toMatchObject({ kind: 'rejected', message: 'lower case' });
  });

  it('explains an empty error body from its status', async () => {
    h.sandbox.inject(
      { status: 503, body: '' },
      { status: 500, body: '' },
      { status: 404, body: '' },
    );
    expect(await upload()).toMatchObject({
      kind: 'transient',
      status: 503,
      message: expect.stringMatching(/unavailable/),
    });
    expect(await upload()).toMatchObject({
      kind: 'transient',
      status: 500,
      message: expect.stringMatching(/internal error/),
    });
    expect(await upload()).toMatchObject({
      kind: 'rejected',
      status: 404,
      message: expect.stringContaining('report R9'),
    });
  });

  it('retries later on 429 with Retry-After in seconds or as a date, and on 5xx', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    h.sandbox.inject(
      { status: 429, retryAfter: 7 },
      { status: 429, retryAfter: at },
      { status: 502 },
    );
    expect(await upload()).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 7000 });
    const dated = await upload();
    expect(dated.kind).toBe('transient');
    const ms = (dated as { retryAfterMs?: number }).retryAfterMs ?? 0;
    expect(ms).toBeGreaterThan(100_000);
    expect(ms).toBeLessThanOrEqual(121_000);
    expect(await upload()).toMatchObject({ kind: 'transient', status: 502 });
  });

  it("treats Concur's 400 for a rate limit or a deadlock as transient, other 400s and 413 as rejected", async () => {
    h.sandbox.inject(
      {
        status: 400,
        body: '<Error><Message>Request limit reached for this hour.</Message></Error>',
      },
      {
        status: 400,
        body: '<Error><Message>Transaction was deadlocked on lock resources.</Message></Error>',
      },
      { status: 400, body: '<Error><Message>Separate the images.</Message></Error>' },
      { status: 413, body: '' },
    );
    expect(await upload()).toMatchObject({ kind: 'transient', status: 400 });
    expect(await upload()).toMatchObject({ kind: 'transient', status: 400 });
    expect(await upload()).toMatchObject({ kind: 'rejected', status: 400 });
    expect(await upload()).toMatchObject({ kind: 'rejected', status: 413 });
  });

  it("reads Concur's refusal even when it comes before the whole file was sent", async () => {
    const small = await startSandbox({ token: TOKEN, maxBytes: 1024 * 1024 });
    try {
      const big = await scan('three-mb.pdf', await pdf({ bytes: 3_000_000 }));
      const outcome = await client({ baseUrl: small.url }).uploadImage({ kind: 'receipt' }, big);
      expect(outcome).toMatchObject({
        kind: 'rejected',
        status: 400,
        message: expect.stringMatching(/larger than the maximum size/),
      });
    } finally {
      await small.close();
    }
  });

  it('rejects an unknown report, entry or invoice id (404)', async () => {
    // The sandbox answers 404 for ids Concur could never have; a fault stands in for an unknown one.
    h.sandbox.inject({ status: 404 });
    expect(await upload({ kind: 'entry', id: 'NOPE' })).toMatchObject({
      kind: 'rejected',
      status: 404,
    });
  });

  it('says when an entry or invoice already has its one image', async () => {
    const entry = { kind: 'entry', id: 'ENTRY1' } as const;
    expect((await upload(entry)).kind).toBe('uploaded');
    const second = await upload(entry);
    expect(second).toMatchObject({ kind: 'alreadyHasImage', status: 400 });
    const invoice = { kind: 'invoice', id: 'INV1' } as const;
    expect((await upload(invoice)).kind).toBe('uploaded');
    expect((await upload(invoice)).kind).toBe('alreadyHasImage');
    // The same words for a report or receipt are just a refusal.
    h.sandbox.inject({
      status: 400,
      body: '<Error><Message>Report already has an image.</Message></Error>',
    });
    expect((await upload({ kind: 'report', id: 'R2' })).kind).toBe('rejected');
  });

  it('retries later when the connection drops or nothing listens', async () => {
    h.sandbox.inject({ drop: true });
    const dropped = await upload();
    expect(dropped).toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/closed before Concur answered/),
    });
    expect('status' in dropped).toBe(false);

    const closed = await startSandbox();
    const baseUrl = closed.url;
    await closed.close();
    const refused = await upload(undefined, client({ baseUrl }));
    // Plain words for people; the errno goes to the log only.
    expect(refused).toMatchObject({
      kind: 'transient',
      message: `Concur (${new URL(baseUrl).host}) could not be reached (the connection was refused).`,
    });
    expect(JSON.stringify(refused)).not.toContain('ECONNREFUSED');
  });

  it('gives up on a hanging Concur after the configured response timeout', async () => {
    h.sandbox.inject({ hang: true });
    const started = Date.now();
    const outcome = await upload(undefined, client({ timeouts: { responseMs: 400 } }));
    expect(outcome).toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/did not answer within 0.4 s/),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives up on an upload that stalls half way instead of waiting forever', async () => {
    // The hanging sandbox never reads the body, so a big file stops moving mid-upload.
    h.sandbox.inject({ hang: true });
    const big = await scan('stalls.jpg', jpeg(8_000_000));
    const seen: number[] = [];
    const started = Date.now();
    const outcome = await client({ timeouts: { responseMs: 500 } }).uploadImage(
      { kind: 'receipt' },
      big,
      { onProgress: (f) => seen.push(f) },
    );
    expect(outcome).toMatchObject({ kind: 'transient', message: expect.stringMatching(/stalled/) });
    expect(Math.max(...seen)).toBeLessThan(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('waits for a slow answer within the timeout', async () => {
    h.sandbox.inject({ delayMs: 300 });
    expect((await upload(undefined, client({ timeouts: { responseMs: 5_000 } }))).kind).toBe(
      'uploaded',
    );
  });

  it('ends a cancelled upload as transient', async () => {
    h.sandbox.inject({ hang: true });
    const controller = new AbortController();
    const pending = client().uploadImage({ kind: 'receipt' }, path, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect(await pending).toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/cancelled/),
    });
  });
});
