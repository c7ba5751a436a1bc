import { describe, expect, it } from 'vitest';
import {
  createConcurClient,
  imageUrl,
  InsecureBaseUrlError,
  InvalidTargetError,
} from '../../../main/engine/concur/concur-client.js';

const BASE = 'https://www.concursolutions.com';

describe('the upload address for each target', () => {
  it('uses the documented paths: v1.0 for receipts, reports and entries, v1.1 for invoices', () => {
    expect(imageUrl(BASE, { kind: 'receipt' })).toBe(`${BASE}/api/image/v1.0/receipt`);
    expect(imageUrl(BASE, { kind: 'report', id: 'A2C40CEE415B43B2A0BE' })).toBe(
      `${BASE}/api/image/v1.0/report/A2C40CEE415B43B2A0BE`,
    );
    expect(imageUrl(BASE, { kind: 'entry', id: 'E1' })).toBe(
      `${BASE}/api/image/v1.0/expenseentry/E1`,
    );
    expect(imageUrl(BASE, { kind: 'invoice', id: '884E2WRE415B43B2A0BE' })).toBe(
      `${BASE}/api/image/v1.1/invoice/884E2WRE415B43B2A0BE`,
    );
  });

  it('keeps a regional host or a proxy path, and ignores a trailing slash or query', () => {
    expect(imageUrl('https://emea.api.concursolutions.com/', { kind: 'receipt' })).toBe(
      'https://emea.api.concursolutions.com/api/image/v1.0/receipt',
    );
    expect(imageUrl('https://proxy.example.com/concur/?x=1#y', { kind: 'receipt' })).toBe(
      'https://proxy.example.com/concur/api/image/v1.0/receipt',
    );
  });

  it('percent-encodes the allowed id characters that need it, like $', () => {
    expect(imageUrl(BASE, { kind: 'report', id: 'gWq$pA_b-c.d' })).toBe(
      `${BASE}/api/image/v1.0/report/gWq%24pA_b-c.d`,
    );
    expect(imageUrl(BASE, { kind: 'entry', id: 'x'.repeat(128) })).toContain('x'.repeat(128));
  });

  it('refuses ids that are not Concur ids and names them', () => {
    for (const id of ['../x', 'a b', 'x'.repeat(129), '', 'a/b', 'ä', '..', 'a?b']) {
      expect(() => imageUrl(BASE, { kind: 'entry', id })).toThrow(InvalidTargetError);
    }
    expect(() => imageUrl(BASE, { kind: 'report', id: 'a b' })).toThrow(/"a b" is not a Concur id/);
  });
});

describe('the Concur address must be secure', () => {
  const make = (baseUrl: string) =>
    createConcurClient({ baseUrl, authScheme: 'OAuth', getToken: async () => 't' });

  it('refuses plain http to anything but this machine', () => {
    expect(() => make('http://www.concursolutions.com')).toThrow(InsecureBaseUrlError);
    expect(() => make('http://10.0.0.5:8787')).toThrow(InsecureBaseUrlError);
    expect(() => make('http://127.0.0.1.example.com')).toThrow(InsecureBaseUrlError);
    expect(() => make('ftp://www.concursolutions.com')).toThrow(InsecureBaseUrlError);
    expect(() => make('not a url')).toThrow(InsecureBaseUrlError);
    expect(() => make('https://user:pw@www.concursolutions.com')).toThrow(InsecureBaseUrlError);
    expect(() => imageUrl('http://www.concursolutions.com', { kind: 'receipt' })).toThrow(
      /must use https/,
    );
  });

  it('accepts https anywhere and http on loopback (the sandbox)', () => {
    for (const url of [
      BASE,
      'https://us.api.concursolutions.com',
      'http://127.0.0.1:8787',
      'http://localhost:8787',
      'http://[::1]:8787',
    ]) {
      expect(() => make(url)).not.toThrow();
    }
  });
});
