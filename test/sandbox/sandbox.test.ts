import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/index.js';
import { encryptedPdf, GIF, jpeg, pdf, png } from '../fixtures/scans.js';
import { send, sendRaw } from './raw-http.js';

const TOKEN = 'sandbox-rules-token';
let sandbox: Sandbox;
const auth = { authorization: `OAuth ${TOKEN}` };
const at = (path: string) => `${sandbox.url}/api/image/${path}`;

beforeAll(async () => {
  sandbox = await startSandbox({ token: TOKEN });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

function expectConcurError(
  answer: { status: number; headers: Record<string, unknown>; body: string },
  status: number,
  message: RegExp,
) {
  expect(answer.status).toBe(status);
  expect(answer.headers['concur-correlationid']).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.headers['content-type']).toMatch(/^application\/xml/);
  expect(answer.body).toMatch(
    /<Error><Message>.*<\/Message><Server-Time>[^<]+<\/Server-Time><Id>[^<]+<\/Id><\/Error>$/,
  );
  expect(answer.body).not.toContain('xmlns');
  expect(answer.body).toMatch(message);
}

describe('accepting images like Concur', () => {
  it('answers 201 with the namespaced Image XML and records what arrived', async () => {
    const body = await pdf({ pages: 3 });
    const answer = await send(at('v1.0/receipt'), {
      headers: { ...auth, 'content-type': 'application/pdf' },
      body,
    });
    expect(answer.status).toBe(201);
    expect(answer.headers['concur-correlationid']).toBeTruthy();
    const id = /<Id>([^<]+)<\/Id>/.exec(answer.body)?.[1];
    expect(answer.body).toContain(
      '<Image xmlns="http://www.concursolutions.com/api/image/2011/02" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">',
    );
    expect(answer.body).toContain('<Url /></Image>');
    expect(sandbox.received()).toEqual([
      {
        kind: 'receipt',
        version: 'v1.0',
        contentType: 'application/pdf',
        size: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
        imageId: id,
        at: expect.any(Number),
        pdfPages: 3,
      },
    ]);
    expect(sandbox.requests()).toBe(1);
  });

  it('takes all four endpoints, invoices on v1.1 and v1.0, OAuth and Bearer, and image/jpg', async () => {
    const cases: [string, string, Buffer][] = [
      ['v1.0/report/A2C40CEE415B43B2A0BE', 'image/png', png()],
      ['v1.0/expenseentry/E1', 'image/jpg', jpeg()],
      ['v1.1/invoice/INV1', 'image/jpeg', jpeg()],
      ['v1.0/invoice/INV2', 'application/pdf; charset=binary', await pdf()],
    ];
    for (const [path, type, body] of cases) {
      const answer = await send(at(path), {
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type },
        body,
      });
      expect(answer.status, path).toBe(201);
    }
    expect(sandbox.received().map((r) => [r.kind, r.id, r.version, r.contentType])).toEqual([
      ['report', 'A2C40CEE415B43B2A0BE', 'v1.0', 'image/png'],
      ['entry', 'E1', 'v1.0', 'image/jpg'],
      ['invoice', 'INV1', 'v1.1', 'image/jpeg'],
      ['invoice', 'INV2', 'v1.0', 'application/pdf'],
    ]);
  });

  it('gives every receipt a new image id and appends to a report', async () => {
    const post = (path: string) =>
      send(at(path), { headers: { ...auth, 'content-type': 'image/png' }, body: png() });
    const a = await post('v1.0/receipt');
    const b = await post('v1.0/receipt');
    expect(a.body).not.toBe(b.body);
    expect((await post('v1.0/report/R1')).status).toBe(201);
    expect((await post('v1.0/report/R1')).status).toBe(201);
    expect(sandbox.received()).toHaveLength(4);
  });

  it('decodes percent-encoded ids such as $', async () => {
    const answer = await send(at('v1.0/expenseentry/a%24b'), {
      headers: { ...auth, 'content-type': 'image/png' },
      body: png(),
    });
    expect(answer.status).toBe(201);
    expect(sandbox.received()[0].id).toBe('a$b');
  });
});

describe('refusing what Concur refuses', () => {
  const pdfHeaders = { ...auth, 'content-type': 'application/pdf' };

  it('401 without an Authorization header or with a malformed one', async () => {
    const body = await pdf();
    for (const authorization of [undefined, 'Basic dXNlcjpwdw==', 'OAuth', TOKEN]) {
      const headers: Record<string, string> = { 'content-type': 'application/pdf' };
      if (authorization) headers.authorization = authorization;
      expectConcurError(await send(at('v1.0/receipt'), { headers, body }), 401, /Authorization/);
    }
  });

  it('403 for a wrong token, until the sandbox is told the new one', async () => {
    const body = await pdf();
    const headers = { authorization: 'OAuth other-token', 'content-type': 'application/pdf' };
    expectConcurError(await send(at('v1.0/receipt'), { headers, body }), 403, /token/);
    sandbox.setToken('other-token');
    try {
      expect((await send(at('v1.0/receipt'), { headers, body })).status).toBe(201);
    } finally {
      sandbox.setToken(TOKEN);
    }
  });

  it('400 for a chunked body', async () => {
    const answer = await send(at('v1.0/receipt'), {
      headers: pdfHeaders,
      body: await pdf(),
      chunked: true,
    });
    expectConcurError(answer, 400, /[Cc]hunked/);
    expect(sandbox.received()).toEqual([]);
  });

  it('400 for a missing or malformed Content-Length', async () => {
    const missing = await sendRaw(
      sandbox.port,
      `POST /api/image/v1.0/receipt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: OAuth ${TOKEN}\r\nContent-Type: application/pdf\r\nConnection: close\r\n\r\n`,
    );
    expect(missing).toMatch(/^HTTP\/1.1 400/);
    expect(missing).toContain('Content-Length header is required');
    const garbled = await sendRaw(
      sandbox.port,
      `POST /api/image/v1.0/receipt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: OAuth ${TOKEN}\r\nContent-Type: application/pdf\r\nContent-Length: 12abc\r\n\r\n%PDF-1.7`,
    );
    expect(garbled).toMatch(/^HTTP\/1.1 400/);
    expect(garbled).toMatch(/concur-correlationid: /i);
    expect(garbled).toContain('<Error><Message>');
    const zero = await send(at('v1.0/receipt'), {
      headers: { ...pdfHeaders, 'content-length': 0 },
    });
    expectConcurError(zero, 400, /no image/);
  });

  it('400 for a type other than PDF, JPEG or PNG, and for bytes that do not match the type', async () => {
    expectConcurError(
      await send(at('v1.0/receipt'), {
        headers: { ...auth, 'content-type': 'image/gif' },
        body: GIF,
      }),
      400,
      /Content-Type "image\/gif" is not supported/,
    );
    expectConcurError(
      await send(at('v1.0/receipt'), { headers: auth, body: jpeg() }),
      400,
      /not supported/,
    );
    expectConcurError(
      await send(at('v1.0/receipt'), { headers: pdfHeaders, body: jpeg() }),
      400,
      /does not match the Content-Type application\/pdf/,
    );
    expectConcurError(
      await send(at('v1.0/receipt'), {
        headers: { ...auth, 'content-type': 'image/png' },
        body: jpeg(),
      }),
      400,
      /does not match/,
    );
    expect(sandbox.received()).toEqual([]);
  });

  it('400 for more than 10 MB, answered from the headers before the body is read', async () => {
    const big = jpeg(11 * 1024 * 1024);
    expectConcurError(
      await send(at('v1.0/receipt'), {
        headers: { ...auth, 'content-type': 'image/jpeg' },
        body: big,
      }),
      400,
      /larger than the maximum size of 10 MB/,
    );
    // Only the headers and a few bytes are sent: the answer must come anyway.
    const early = await new Promise<string>((resolve, reject) => {
      const socket = connect(sandbox.port, '127.0.0.1', () =>
        socket.write(
          `POST /api/image/v1.0/receipt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: OAuth ${TOKEN}\r\n` +
            `Content-Type: image/jpeg\r\nContent-Length: ${11 * 1024 * 1024}\r\n\r\n\xff\xd8\xff`,
        ),
      );
      socket.on('data', (chunk: Buffer) => {
        resolve(chunk.toString());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(early).toMatch(/^HTTP\/1.1 400/);
    const exactly10 = jpeg(10 * 1024 * 1024);
    expect(
      (
        await send(at('v1.0/receipt'), {
          headers: { ...auth, 'content-type': 'image/jpeg' },
          body: exactly10,
        })
      ).status,
    ).toBe(201);
  });

  it('400 for an encrypted PDF', async () => {
    expectConcurError(
      await send(at('v1.0/receipt'), { headers: pdfHeaders, body: await encryptedPdf() }),
      400,
      /encrypted/,
    );
  });

  it('400 "already has an image" for a second image on an entry or invoice, on either invoice version', async () => {
    const post = (path: string) =>
      send(at(path), { headers: { ...auth, 'content-type': 'image/png' }, body: png() });
    expect((await post('v1.0/expenseentry/E7')).status).toBe(201);
    expectConcurError(
      await post('v1.0/expenseentry/E7'),
      400,
      /expense entry already has an image/,
    );
    expect((await post('v1.1/invoice/I7')).status).toBe(201);
    expectConcurError(await post('v1.0/invoice/I7'), 400, /invoice already has an image/);
    expect((await post('v1.0/expenseentry/E8')).status).toBe(201);
    sandbox.reset();
    expect((await post('v1.0/expenseentry/E7')).status).toBe(201);
  });

  it('lets only one of two simultaneous uploads attach to the same entry', async () => {
    const post = () =>
      send(at('v1.0/expenseentry/RACE'), {
        headers: { ...auth, 'content-type': 'application/pdf' },
        body: pdfBody,
      });
    const pdfBody = await pdf({ pages: 2 });
    const statuses = (await Promise.all([post(), post(), post()])).map((a) => a.status).sort();
    expect(statuses).toEqual([201, 400, 400]);
    expect(sandbox.received()).toHaveLength(1);
  });

  it('404 for an id Concur could not have, an unknown endpoint, and 405 for GET', async () => {
    const body = png();
    const headers = { ...auth, 'content-type': 'image/png' };
    for (const path of [
      'v1.0/report/a%20b',
      `v1.0/expenseentry/${'x'.repeat(129)}`,
      'v1.0/report/',
      'v1.0/receipt/R1',
      'v1.1/report/R1',
      'v2.0/receipt',
      'v1.0/attendee/A1',
    ]) {
      expectConcurError(await send(at(path), { headers, body }), 404, /not found/);
    }
    expectConcurError(await send(at('v1.0/receipt'), { method: 'GET', headers: auth }), 405, /GET/);
    expect(sandbox.received()).toEqual([]);
  });
});

describe('staying on this machine', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) {
      console.log(
        'no non-loopback IPv4 interface on this machine: the outside-address check is skipped',
      );
      return;
    }
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(sandbox.port, external.address, () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});
