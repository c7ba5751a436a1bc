import { describe, expect, it } from 'vitest';
import type { UploadOutcome } from '../../../main/engine/concur/concur-client.js';
import { translator, type Message } from '../../../main/engine/i18n/translate.js';
import { rejectedReason } from '../../../main/engine/stages/answer-reasons.js';
import { readableReporter } from '../../../main/cli/output.js';
import { KeychainUnavailableError } from '../../../main/engine/secrets/secret-store.js';
import { pdf } from '../../fixtures/scans.js';
import { useSandboxClient } from './client-harness.js';

// When Concur answers with a status and no words of its own, the sentence is
// ours, so each person reads it in their language (the English stays in
// `message` for the log and --json).

const h = useSandboxClient();
const de = translator('de');

const reasonOf = (outcome: UploadOutcome, target: Parameters<typeof rejectedReason>[1]) => {
  if (outcome.kind === 'uploaded' || outcome.kind === 'changed') throw new Error(outcome.kind);
  return de.say(rejectedReason(outcome.status ?? 0, target, outcome.message, outcome.text));
};

describe('Concur’s answers without words, in the user’s language', () => {
  it('gives a bare HTTP 400 for the receipt store in German, English kept in message', async () => {
    h.sandbox.inject({ status: 400, body: '' });
    const outcome = await h
      .client()
      .uploadImage({ kind: 'receipt' }, await h.scan('a.pdf', await pdf()));
    expect(outcome).toMatchObject({
      kind: 'rejected',
      status: 400,
      message: 'Concur refused the request as invalid (HTTP 400).',
      text: { key: 'concur.status400' },
    });
    expect(reasonOf(outcome, { kind: 'receipt' })).toBe(
      'Concur hat die Datei für die Belegablage abgelehnt (HTTP 400): Concur hat die Anfrage als ungültig abgelehnt (HTTP 400).',
    );
  });

  it('names the unknown entry of a bare 404 and a gateway’s 502 in German', async () => {
    const target = { kind: 'entry', id: 'ENT42' } as const;
    h.sandbox.inject({ status: 404, body: '' }, { status: 502, body: '' });
    const path = await h.scan('b.pdf', await pdf());
    const missing = await h.client().uploadImage(target, path);
    expect(missing).toMatchObject({ kind: 'rejected', text: { key: 'concur.status404Entry' } });
    expect(de.say((missing as unknown as { text: Message }).text)).toBe(
      'Concur kennt die Ausgabe ENT42 nicht (HTTP 404).',
    );
    const gateway = await h.client().uploadImage(target, path);
    expect(gateway).toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('gateway'),
    });
    expect(de.say((gateway as unknown as { text: Message }).text)).toBe(
      'Das Gateway von Concur hat vom Dienst keine Antwort erhalten (HTTP 502).',
    );
  });

  it('keeps Concur’s own words as it said them', async () => {
    h.sandbox.inject({
      status: 400,
      contentType: 'application/xml',
      body: '<Error><Message>The image could not be read.</Message></Error>',
    });
    const outcome = await h
      .client()
      .uploadImage({ kind: 'receipt' }, await h.scan('c.pdf', await pdf()));
    expect(outcome).toMatchObject({ message: 'The image could not be read.' });
    expect((outcome as { text?: unknown }).text).toBeUndefined();
  });

  it('tells of a missing token and a refused one (403) in German on the CLI’s pause line', async () => {
    const none = await h
      .client({ getToken: async () => null })
      .uploadImage({ kind: 'receipt' }, await h.scan('d.pdf', await pdf()));
    h.sandbox.inject({ status: 403, body: '' });
    const refused = await h
      .client()
      .uploadImage({ kind: 'receipt' }, await h.scan('e.pdf', await pdf()));
    const lines: string[] = [];
    const out = readableReporter((l) => lines.push(l), de);
    for (const o of [none, refused]) {
      if (o.kind !== 'auth') throw new Error(o.kind);
      out.paused('sign-in', o.message, o.text);
    }
    expect(lines[0]).toContain(
      'Es ist kein Concur-Token gespeichert. Legen Sie eines fest, um hochzuladen.',
    );
    expect(lines[1]).toContain('Concur hat das Token abgelehnt: Es ist abgelaufen');
    expect(lines.join('\n')).not.toMatch(/Concur refused|No Concur token/);
  });

  it('says in German that there is no keychain, never the system’s D-Bus reason', async () => {
    const outcome = await h
      .client({
        getToken: () =>
          Promise.reject(
            new KeychainUnavailableError('Cannot autolaunch D-Bus without X11 $DISPLAY'),
          ),
      })
      .uploadImage({ kind: 'receipt' }, await h.scan('f.pdf', await pdf()));
    if (outcome.kind !== 'auth') throw new Error(outcome.kind);
    expect(outcome.message).toMatch(/^No OS keychain is available/);
    const lines: string[] = [];
    readableReporter((l) => lines.push(l), de).paused('sign-in', outcome.message, outcome.text);
    expect(lines[0]).toContain(de.t('fixed.noKeychain'));
    expect(lines[0]).not.toMatch(/D-Bus|No OS keychain/);
  });
});
