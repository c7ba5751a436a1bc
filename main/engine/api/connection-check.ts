import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../../preload/contract.js';
import { createConcurClient } from '../concur/concur-client.js';
import type { Transport } from '../network/transport.js';
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
        return {
          ok: false,
          message: `Concur refused the token${outcome.status ? ` (HTTP ${outcome.status})` : ''}: ${outcome.message} Save a new token.`,
        };
      case 'transient':
        if (outcome.status === undefined)
          return { ok: false, message: `Cannot reach ${origin}: ${outcome.message}` };
        if (outcome.status >= 500)
          return {
            ok: false,
            message: `${origin} answered but is not available right now (HTTP ${outcome.status}). Try again later.`,
          };
        // A rate-limit 400/429 comes after the token was accepted.
        return { ok: true, message: `Connected to ${origin}; the token was accepted.` };
      case 'rejected':
        // Status 0: refused here before sending (e.g. the file); no word from Concur yet.
        if (outcome.status === 0) return { ok: false, message: outcome.message };
        return { ok: true, message: `Connected to ${origin}; the token was accepted.` };
      default:
        // uploaded / alreadyHasImage: Concur got past authorization.
        return { ok: true, message: `Connected to ${origin}; the token was accepted.` };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
