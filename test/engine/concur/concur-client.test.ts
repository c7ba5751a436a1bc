import { createHash } from 'node:crypto';
import { readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UploadOutcome } from '../../../main/engine/concur/concur-client.js';
import { startSandbox } from '../../../main/sandbox/index.js';
import type { UploadTarget } from '../../../main/engine/types.js';
import { jpeg, pdf, png } from '../../fixtures/scans.js';
import { TOKEN, useSandboxClient } from './client-harness.js';

const h = useSandboxClient();
const { client, scan } = h;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploading to each Concur target', () => {
  const cases: {
    target: UploadTarget;
    version: string;
    name: string;
    make: () => Promise<Buffer>;
  }[] = [
    {
      target: { kind: 'receipt' },
      version: 'v1.0',
      name: 'lunch.pdf',
      make: () => pdf({ pages: 2 }),
    },
    {
      target: { kind: 'report', id: 'A2C40CEE415B43B2A0BE' },
      version: 'v1.0',
      name: 'hotel.jpg',
      make: async () => jpeg(50_000),
    },
    {
      target: { kind: 'entry', id: 'E$1_a-b.c' },
      version: 'v1.0',
      name: 'taxi.png',
      make: async () => png(200, 100, true),
    },
    {
      target: { kind: 'invoice', id: '884E2WRE415B43B2A0BE' },
      version: 'v1.1',
      name: 'invoice.pdf',
      make: () => pdf({ pages: 1, bytes: 400_000 }),
    },
  ];
  for (const { target, version, name, make } of cases) {
    it(`delivers a scan byte for byte to ${target.kind === 'receipt' ? 'the receipt store' : `a ${target.kind}`} and returns Concur's image id`, async () => {
      const bytes = await make();
      const outcome = await client().uploadImage(target, await scan(name, bytes));
      expect(outcome).toMatchObject({ kind: 'uploaded', status: 201 });
      const [got] = h.sandbox.received();
      expect(got.kind).toBe(target.kind);
      expect(got.version).toBe(version);
      if (target.kind !== 'receipt') expect(got.id).toBe(target.id);
      expect(got.sha256).toBe(sha256(bytes));
      expect(got.size).toBe(bytes.length);
      expect((outcome as { imageId: string }).imageId).toBe(got.imageId);
      expect((outcome as { correlationId?: string }).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    });
  }

  it('gives each receipt a fresh image id and appends further images to a report', async () => {
    const path = await scan('r.pdf', await pdf());
    const a = await client().uploadImage({ kind: 'receipt' }, path);
    const b = await client().uploadImage({ kind: 'receipt' }, path);
    expect(a.kind === 'uploaded' && b.kind === 'uploaded' && a.imageId !== b.imageId).toBe(true);
    const report = { kind: 'report', id: 'R1' } as const;
    expect((await client().uploadImage(report, path)).kind).toBe('uploaded');
    expect((await client().uploadImage(report, path)).kind).toBe('uploaded');
    expect(h.sandbox.received().filter((r) => r.kind === 'report')).toHaveLength(2);
  });

  it('sends a JPEG named .png as image/jpeg, with an exact Content-Length', async () => {
    const bytes = jpeg(30_000);
    const outcome = await client().uploadImage({ kind: 'receipt' }, await scan('photo.png', bytes));
    expect(outcome.kind).toBe('uploaded');
    // The sandbox refuses chunked bodies and wrong lengths, so a record means exact framing.
    expect(h.sandbox.received()[0]).toMatchObject({
      contentType: 'image/jpeg',
      size: bytes.length,
    });
  });

  it('sends the Bearer scheme when the account uses OAuth2 tokens', async () => {
    const outcome = await client({ authScheme: 'Bearer' }).uploadImage(
      { kind: 'receipt' },
      await scan('b.pdf', await pdf()),
    );
    expect(outcome.kind).toBe('uploaded');
  });

  it('reports upload progress up to 1', async () => {
    const seen: number[] = [];
    const path = await scan('big.pdf', await pdf({ bytes: 3_000_000 }));
    const outcome = await client().uploadImage({ kind: 'receipt' }, path, {
      onProgress: (f) => seen.push(f),
    });
    expect(outcome.kind).toBe('uploaded');
    expect(seen.at(-1)).toBe(1);
    expect(seen.some((f) => f > 0 && f < 1)).toBe(true);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('sends a scan of several megabytes byte for byte', async () => {
    const bytes = jpeg(5 * 1024 * 1024 + 12_345, 77);
    const path = await scan('long.jpg', bytes);
    const outcome = await client().uploadImage({ kind: 'receipt' }, path);
    expect(outcome.kind).toBe('uploaded');
    expect(h.sandbox.received()[0]).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
  });

  it('retries later, sending nothing wrong, when the scan gets shorter while it is being sent', async () => {
    const path = await scan('shrinking.jpg', jpeg(600_000, 5));
    // The token is asked for after the file was opened and measured: cut it then.
    const c = client({
      getToken: async () => {
        await truncate(path, 100_000);
        return TOKEN;
      },
    });
    expect(await c.uploadImage({ kind: 'receipt' }, path)).toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/could not be read while it was being sent/),
    });
    expect(h.sandbox.received()).toHaveLength(0);
  });
});

describe('refusing before anything is sent', () => {
  it('answers "sign in needed" without a request when no token is stored', async () => {
    const outcome = await client({ getToken: async () => null }).uploadImage(
      { kind: 'receipt' },
      await scan('n.pdf', await pdf()),
    );
    expect(outcome).toEqual({
      kind: 'auth',
      message: expect.stringMatching(/^No Concur token is stored/),
      text: { key: 'concur.noToken' },
    });
    expect(h.sandbox.requests()).toBe(0);
  });

  it('refuses files Concur cannot take: not an image, empty, missing, over 10 MB', async () => {
    const before = h.sandbox.requests();
    const c = client();
    const gif = await c.uploadImage(
      { kind: 'receipt' },
      await scan('x.pdf', Buffer.from('GIF89a......')),
    );
    expect(gif).toMatchObject({
      kind: 'rejected',
      status: 0,
      message: expect.stringContaining('GIF'),
    });
    const empty = await c.uploadImage({ kind: 'receipt' }, await scan('e.pdf', Buffer.alloc(0)));
    expect(empty).toMatchObject({
      kind: 'rejected',
      status: 0,
      message: expect.stringContaining('empty'),
    });
    const gone = await c.uploadImage({ kind: 'receipt' }, join(h.dir, 'nope.pdf'));
    expect(gone).toMatchObject({
      kind: 'rejected',
      status: 0,
      message: expect.stringContaining('ENOENT'),
    });
    const huge = await c.uploadImage(
      { kind: 'receipt' },
      await scan('huge.jpg', jpeg(11 * 1024 * 1024)),
    );
    expect(huge).toMatchObject({
      kind: 'rejected',
      status: 0,
      message: expect.stringContaining('10 MB'),
    });
    const badId = await c.uploadImage(
      { kind: 'entry', id: '../x' },
      await scan('ok.pdf', await pdf()),
    );
    expect(badId).toMatchObject({
      kind: 'rejected',
      status: 0,
      message: expect.stringContaining('../x'),
    });
    expect(h.sandbox.requests()).toBe(before);
  });
});

describe('keeping the token secret', () => {
  it('never puts the token in an outcome, an error or a log line', async () => {
    const { configureLogging } = await import('../../../main/engine/log/logger.js');
    const lines: string[] = [];
    configureLogging({ dir: null, listener: (line) => lines.push(line) });
    try {
      const path = await scan('secret.pdf', await pdf());
      const outcomes: UploadOutcome[] = [];
      const c = client();
      outcomes.push(await c.uploadImage({ kind: 'receipt' }, path));
      // A server that echoes the token back must not get it into our messages.
      h.sandbox.inject(
        { status: 400, body: `<Error><Message>Bad token ${TOKEN}</Message></Error>` },
        { status: 403 },
        { drop: true },
        { hang: true },
      );
      outcomes.push(await c.uploadImage({ kind: 'receipt' }, path));
      outcomes.push(await c.uploadImage({ kind: 'receipt' }, path));
      outcomes.push(await c.uploadImage({ kind: 'receipt' }, path));
      outcomes.push(
        await client({ timeouts: { responseMs: 300 } }).uploadImage({ kind: 'receipt' }, path),
      );
      const closed = await startSandbox();
      await closed.close();
      outcomes.push(await client({ baseUrl: closed.url }).uploadImage({ kind: 'receipt' }, path));
      let thrown = '';
      try {
        client({ baseUrl: `http://example.com/?t=${TOKEN}` });
      } catch (error) {
        thrown = String(error) + JSON.stringify(error);
      }
      expect(thrown).toMatch(/https/);
      const everything = JSON.stringify(outcomes) + lines.join('\n') + thrown;
      expect(outcomes.map((o) => o.kind)).toEqual([
        'uploaded',
        'rejected',
        'auth',
        'transient',
        'transient',
        'transient',
      ]);
      expect(lines.length).toBeGreaterThanOrEqual(6);
      expect(everything).not.toContain(TOKEN);
    } finally {
      configureLogging({ dir: null });
    }
  });
});

describe('leaving the scan free to move', () => {
  it('closes the file after every kind of outcome, so it can go to Uploaded/ or Failed/', async () => {
    const fds = async () => (await readdir('/proc/self/fd').catch(() => null))?.length;
    if ((await fds()) === undefined) {
      console.log('no /proc/self/fd on this system: the open-file count check is skipped');
      return;
    }
    const path = await scan('fd.pdf', await pdf());
    const c = client({ timeouts: { responseMs: 300 } });
    await c.uploadImage({ kind: 'receipt' }, path); // warm up got's agent and lazy modules
    const before = await fds();
    const gif = await scan('fd.gif', Buffer.from('GIF89a......'));
    const noToken = client({ getToken: async () => null });
    // Repeated, so one leaked descriptor per attempt would stand out from pooled sockets.
    for (let round = 0; round < 4; round++) {
      h.sandbox.inject(
        { status: 500 },
        { drop: true },
        { status: 403 },
        ...(round ? [] : [{ hang: true } as const]),
      );
      for (let i = 0; i < (round ? 4 : 5); i++) await c.uploadImage({ kind: 'receipt' }, path);
      await noToken.uploadImage({ kind: 'receipt' }, path);
      await c.uploadImage({ kind: 'receipt' }, gif);
    }
    // A pooled keep-alive socket may linger; files must not.
    let after = await fds();
    for (let i = 0; i < 40 && (after ?? 0) > (before ?? 0) + 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await fds();
    }
    expect(after).toBeLessThanOrEqual((before ?? 0) + 1);
  });
});
