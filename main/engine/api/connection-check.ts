import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../../preload/contract.js';
import { createConcurClient } from '../concur/concur-client.js';
import type { Transport } from '../network/transport.js';
import { english, msg, type Message } from '../i18n/translate.js';
import type { Settings } from '../settings/schema.js';

/**
 * "Check connection" in Settings: one real, harmless request with the real
 * client, so the answer covers the address, TLS, the auth scheme and the token.
 *
 * It posts a 1×1 PNG to `expenseentry/ConcurDropConnectionCheck`. On real
 * Concur that id matches no expense entry, so once the token is accepted the
 * answer is a 404/400 and nothing is stored; a refused token is a 401/403
 * before any of that. (The sandbox accepts any entry id, so there it is a 201
 * and then "already has an image": both mean the token works.)
 */

/** The entry id the check posts to: no real entry is called this. */
export const CHECK_ENTRY_ID = 'ConcurDropConnectionCheck';

const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** A result in English words and as a Message for the window's language. */
function said(ok: boolean, text: Message): CheckResult {
  return { ok, message: english.say(text), text };
}

/** Sends the check request and words the answer for the user. */
export async function checkConnection(
  concur: Settings['concur'],
  token: string,
  timeouts?: { connectMs?: number; responseMs?: number },
  transport?: Transport,
): Promise<CheckResult> {
  const origin = new URL(concur.baseUrl).origin;
  let client;
  try {
    client = createConcurClient({
      baseUrl: concur.baseUrl,
      authScheme: concur.authScheme,
      getToken: async () => token,
      timeouts,
      transport,
    });
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const dir = await mkdtemp(join(tmpdir(), 'concur-drop-check-'));
  try {
    const file = join(dir, 'connection-check.png');
    await writeFile(file, ONE_PIXEL_PNG);
    const outcome = await client.uploadImage({ kind: 'entry', id: CHECK_ENTRY_ID }, file);
    switch (outcome.kind) {
      case 'auth':
        return said(
          false,
          msg(outcome.status ? 'check.refusedStatus' : 'check.refused', {
            status: outcome.status,
            message: outcome.message,
          }),
        );
      case 'transient':
        if (outcome.status === undefined)
          return said(
            false,
            msg('check.unreachable', { origin, message: outcome.text ?? outcome.message }),
          );
        if (outcome.status >= 500)
          return said(false, msg('check.down', { origin, status: outcome.status }));
        // A rate-limit 400/429 comes after the token was accepted.
        return said(true, msg('check.ok', { origin }));
      case 'rejected':
        // Status 0: refused here before sending (e.g. the file); no word from Concur yet.
        if (outcome.status === 0) return { ok: false, message: outcome.message };
        return said(true, msg('check.ok', { origin }));
      default:
        // uploaded / alreadyHasImage: Concur got past authorization.
        return said(true, msg('check.ok', { origin }));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
