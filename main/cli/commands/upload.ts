import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConcurClient, type UploadOutcome } from '../../engine/concur/concur-client.js';
import { transportForSettings } from '../../engine/network/transport.js';
import { inspectFile } from '../../engine/inspect/inspect.js';
import { createLogger } from '../../engine/log/logger.js';
import { mergeToPdf } from '../../engine/merge/merge-pdf.js';
import { naturalCompare } from '../../engine/merge/page-order.js';
import { CONCUR_ID } from '../../engine/settings/schema.js';
import type { ContentType, UploadTarget } from '../../engine/types.js';
import { EXIT, parseCommand, UsageError } from '../args.js';
import { msg } from '../../engine/i18n/translate.js';
import { loadSettings, oauth2For, openDataDir, tokenFor } from '../host.js';
import { cli, NOT_SIGNED_IN, useConfigLanguage } from '../language.js';
import { helpText, UPLOAD_USAGE } from '../usage.js';

/** Tries per file for transient answers (network, 5xx, rate limit) before giving up. */
const TRIES = 4;
const MAX_WAIT_MS = 30_000;

const log = createLogger('cli-upload');

class TokenRefused extends Error {}

interface Scan {
  path: string;
  contentType: ContentType;
}

/** `concur-drop upload`: one-shot upload of named files, no watcher and no ledger. */
export async function uploadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    usage: UPLOAD_USAGE,
    positionals: true,
    options: {
      report: { type: 'string' },
      entry: { type: 'string' },
      invoice: { type: 'string' },
      config: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(helpText('upload', UPLOAD_USAGE));
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError(cli().t('cli.upload.noFile'), UPLOAD_USAGE);
  const target = targetFrom(values);
  const { settings } = loadSettings(values.config);
  useConfigLanguage(settings.language);
  openDataDir();

  const oauth2 = oauth2For(settings);
  const token = tokenFor(settings.concur.baseUrl);
  if (oauth2) {
    const state = await oauth2.manager.state();
    if (!state.signedIn) {
      console.error(cli().say(state.problemText ?? NOT_SIGNED_IN));
      return EXIT.tokenRefused;
    }
  } else {
    const found = await token.lookup();
    if (found.token === null) {
      console.error(cli().words('text' in found ? found.text : undefined, found.reason));
      return EXIT.tokenRefused;
    }
  }
  const client = createConcurClient({
    baseUrl: settings.concur.baseUrl,
    authScheme: oauth2 ? 'Bearer' : settings.concur.authScheme,
    getToken: token.getToken,
    transport: transportForSettings(settings),
    tokens: oauth2?.manager,
  });

  const files = positionals.map((p) => resolve(p));
  let failed = false;
  const ready: Scan[] = [];
  for (const file of files) {
    const inspected = await inspectFile(file).catch((error: Error) => ({
      ok: false as const,
      reason:
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? cli().t('cli.noSuchFile')
          : error.message,
      text: undefined,
    }));
    // Without `preparable`, inspection never asks for preparing: a file is sent as it is or refused.
    if (inspected.ok === true) ready.push({ path: file, contentType: inspected.contentType });
    else if (inspected.ok === false) {
      console.error(`${file}: ${cli().words(inspected.text, inspected.reason)}`);
      failed = true;
    }
  }

  try {
    // Concur keeps one image per entry or invoice: several files become one PDF.
    if (target.kind === 'entry' || target.kind === 'invoice') {
      if (failed) {
        console.error(cli().t('cli.uploadNone', { kind: msg(`kind.${target.kind}`) }));
        return EXIT.failed;
      }
      if (ready.length > 1)
        return (await uploadMerged(client, target, ready)) ? EXIT.ok : EXIT.failed;
    }
    for (const scan of ready) if (!(await uploadOne(client, target, scan.path))) failed = true;
  } catch (error) {
    if (error instanceof TokenRefused) {
      console.error(error.message);
      return EXIT.tokenRefused;
    }
    throw error;
  }
  return failed ? EXIT.failed : EXIT.ok;
}

function targetFrom(values: { report?: string; entry?: string; invoice?: string }): UploadTarget {
  const given = (['report', 'entry', 'invoice'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1)
    throw new UsageError(
      cli().t('cli.upload.twoTargets', { given: given.map((k) => `--${k}`).join(' + ') }),
      UPLOAD_USAGE,
    );
  if (given.length === 0) return { kind: 'receipt' };
  const kind = given[0];
  const id = values[kind] as string;
  if (!CONCUR_ID.test(id))
    throw new UsageError(cli().t('cli.upload.badId', { flag: `--${kind}`, id }), UPLOAD_USAGE);
  return { kind, id };
}

async function uploadMerged(
  client: ReturnType<typeof createConcurClient>,
  target: UploadTarget,
  scans: Scan[],
): Promise<boolean> {
  const staging = await mkdtemp(join(tmpdir(), 'concur-drop-upload-'));
  try {
    const ordered = [...scans].sort((a, b) => naturalCompare(basename(a.path), basename(b.path)));
    const merged = join(staging, 'merged.pdf');
    await mergeToPdf(ordered, merged);
    const inspected = await inspectFile(merged);
    // The same checks as any scan, the 10 MB limit included.
    if (!inspected.ok) {
      console.error(
        cli().t('cli.mergedFor', {
          n: scans.length,
          kind: msg(`kind.${target.kind}`),
          reason: cli().words(inspected.text, inspected.reason),
        }),
      );
      return false;
    }
    return await uploadOne(client, target, merged, cli().t('cli.mergedLabel', { n: scans.length }));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Uploads one file with a few retries; prints its image id on success. */
async function uploadOne(
  client: ReturnType<typeof createConcurClient>,
  target: UploadTarget,
  file: string,
  label = file,
): Promise<boolean> {
  let outcome: UploadOutcome | undefined;
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    outcome = await client.uploadImage(target, file);
    if (outcome.kind !== 'transient' || attempt === TRIES) break;
    const waitMs = Math.min(MAX_WAIT_MS, outcome.retryAfterMs ?? 1000 * 2 ** (attempt - 1));
    log.info('upload retry', { file, attempt, waitMs, message: outcome.message });
    const message = cli().words(outcome.text, outcome.message);
    console.error(cli().t('cli.tryAgain', { label, message, seconds: Math.ceil(waitMs / 1000) }));
    await sleep(waitMs);
  }
  if (!outcome) return false;
  switch (outcome.kind) {
    case 'uploaded':
      console.log(outcome.imageId ?? '');
      return true;
    case 'auth':
      throw new TokenRefused(
        /sign in/i.test(outcome.message)
          ? outcome.message
          : cli().t('cli.tokenRefused', { message: outcome.message }),
      );
    default:
      console.error(
        `${label}: ${outcome.message}${'errorId' in outcome || 'correlationId' in outcome ? concurRefs(outcome) : ''}`,
      );
      return false;
  }
}

function concurRefs(outcome: {
  message: string;
  errorId?: string;
  correlationId?: string;
}): string {
  const refs = [
    outcome.errorId && `error id ${outcome.errorId}`,
    outcome.correlationId && `correlation id ${outcome.correlationId}`,
  ].filter(Boolean);
  return refs.length ? ` (${refs.join(', ')})` : '';
}
