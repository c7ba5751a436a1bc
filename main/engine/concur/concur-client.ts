import { TokenUnavailable } from '../auth/token-unavailable.js';
import { errnoWords } from '../i18n/errno-words.js';
import { english, msg, type Message } from '../i18n/translate.js';
import { createLogger, registerSecret } from '../log/logger.js';
import type { AccessTokens } from '../ports.js';
import type { ContentType, UploadTarget } from '../types.js';
import { classifyAnswer, type UploadOutcome } from './concur-outcome.js';
import { NetworkSetupError } from '../network/proxy-choice.js';
import type { Transport } from '../network/transport.js';
import {
  DeadlineExceeded,
  ProxyRefused,
  RequestTimeout,
  streamedPoster,
  UntrustedCertificate,
  type Reply,
} from './streamed-post.js';
import { checkBaseUrl, imageUrl, InvalidTargetError } from './target-url.js';
import { errorCode, heldScan, openScan, refused, ScanChanged, ScanReadError } from './scan-file.js';

export type { UploadOutcome } from './concur-outcome.js';
export { imageUrl, InvalidTargetError, InsecureBaseUrlError } from './target-url.js';

/**
 * The Concur Image client (docs/architecture.md#concurs-rules): streams one file from disk to the
 * receipt store, a report, an expense entry or an invoice and says what
 * happened as a typed outcome. It never retries (the engine's queue does) and
 * never throws for HTTP, network or file trouble.
 */

// Concur refuses images over 10 MB; checking here saves sending them.
export { MAX_IMAGE_BYTES } from '../inspect/inspect.js';

/** How to reach Concur and authenticate. */
export interface ConcurClientOptions {
  /** https, or http only for loopback; anything else throws InsecureBaseUrlError. */
  baseUrl: string;
  authScheme: 'OAuth' | 'Bearer';
  /** null → an `auth` outcome without any request. */
  getToken: () => Promise<string | null>;
  /**
   * OAuth2 tokens that renew themselves: used instead of getToken; a refused
   * token is renewed once and the upload sent again; calls go to the account's
   * geolocation.
   */
  tokens?: AccessTokens;
  /**
   * Defaults: connect 10 s; response 60 s after the body was sent; total 60 s for the
   * whole call, from connecting to the answer's last byte (Concur answers within 60 s
   * or it has failed, so an answer still dripping after that holds a slot for nothing).
   */
  timeouts?: { connectMs?: number; responseMs?: number; totalMs?: number };
  /** Proxy and trusted certificates (docs/architecture.md#company-networks); default: the environment's proxy, Node's and the OS's roots. */
  transport?: Transport;
}

/** Per-upload extras. */
export interface UploadOptions {
  /** A hint only: the Content-Type always follows the file's bytes. */
  contentType?: ContentType;
  /** 0..1 as the body goes out. */
  onProgress?: (fraction: number) => void;
  /** Aborting ends the attempt as `transient` (the upload resumes later). */
  signal?: AbortSignal;
  /**
   * The version of the file that was inspected. The bytes are hashed as they are
   * read, and the last chunk, which completes Content-Length, goes out only if the
   * whole is exactly this version; otherwise the request is cut before its body
   * completes (Concur never makes an image of it) and the outcome is `changed`.
   */
  expect?: { size: number; sha256: string };
  /**
   * The scan's bytes, when the engine already holds them (a small receipt read
   * whole and hashed by inspection, so they are `expect`'s version): sent from
   * memory, and the file is not opened again. `confirm` is asked while they go
   * out; unless it says the file is still that version, the request is cut
   * before its body completes and the outcome is `changed`.
   */
  held?: { bytes: Uint8Array; confirm?: () => Promise<boolean> };
}

/** Uploads one scan per call; the engine's queue decides what happens next. */
export interface ConcurClient {
  uploadImage(
    target: UploadTarget,
    filePath: string,
    options?: UploadOptions,
  ): Promise<UploadOutcome>;
}

const log = createLogger('concur');

/** Builds a client; throws InsecureBaseUrlError for a non-https, non-loopback base URL. */
export function createConcurClient(options: ConcurClientOptions): ConcurClient {
  checkBaseUrl(options.baseUrl);
  const connectMs = options.timeouts?.connectMs ?? 10_000;
  const responseMs = options.timeouts?.responseMs ?? 60_000;
  const totalMs = options.timeouts?.totalMs ?? 60_000;
  // One poster (and its kept-alive connections) per origin: a geolocation moves the account.
  const posters = new Map<string, ReturnType<typeof streamedPoster>>();
  const posterFor = (base: URL) => {
    let post = posters.get(base.origin);
    if (!post) {
      post = streamedPoster(
        base,
        {
          connectMs,
          responseMs,
          // `response` only starts once the body is sent: a stalled upload needs its own
          // limit. Nothing moving on the socket for longer than Concur may take = failed.
          socketMs: responseMs + 1000,
          totalMs,
          maxAnswerBytes: MAX_ANSWER_BYTES,
        },
        options.transport,
      );
      posters.set(base.origin, post);
    }
    return post;
  };

  async function uploadImage(
    target: UploadTarget,
    filePath: string,
    upload: UploadOptions = {},
  ): Promise<UploadOutcome> {
    let first = await attempt(target, filePath, upload);
    // The proxy asked for a Windows login only the host can give: nothing reached Concur, and
    // the transport now goes the host's way, so the scan goes again at once.
    if (first.again) first = await attempt(target, filePath, upload);
    const { outcome, token } = first;
    // A token that expired or was revoked early: renewed once, and the scan sent again
    // (Concur kept nothing of a refused request).
    if (
      options.tokens &&
      token &&
      outcome.kind === 'auth' &&
      (outcome.status === 401 || outcome.status === 403) &&
      (await options.tokens.refused(token))
    )
      return (await attempt(target, filePath, upload)).outcome;
    return outcome;
  }

  async function attempt(
    target: UploadTarget,
    filePath: string,
    upload: UploadOptions,
  ): Promise<{ outcome: UploadOutcome; token?: string; again?: boolean }> {
    let base = checkBaseUrl(options.tokens?.baseUrl() ?? options.baseUrl);
    let url: string;
    try {
      url = imageUrl(base.href, target);
    } catch (error) {
      if (error instanceof InvalidTargetError) return { outcome: refused(error.message) };
      throw error;
    }

    const file = upload.held
      ? heldScan(filePath, upload.held.bytes, upload.held.confirm)
      : await openScan(filePath, !!upload.expect);
    if ('refusal' in file) return { outcome: file.refusal };
    const { size, contentType } = file;
    if (upload.expect && upload.expect.size !== size) {
      await file.close();
      return { outcome: changedOutcome() };
    }

    let token: string | null;
    try {
      token = options.tokens
        ? await options.tokens.token()
        : (await options.getToken())?.trim() || null;
    } catch (error) {
      await file.close();
      if (error instanceof TokenUnavailable)
        return {
          outcome: error.transient
            ? {
                kind: 'transient',
                message: error.message,
                text: error.text,
                retryAfterMs: error.retryAfterMs,
              }
            : { kind: 'auth', message: error.message, text: error.text },
        };
      const why = error instanceof Error ? error.message : String(error);
      // An error that has words for people (no keychain) says them alone.
      const text = (error as { text?: Message }).text ?? msg('concur.tokenUnreadable', { why });
      return { outcome: { kind: 'auth', message: english.say(text), text } };
    }
    if (!token) {
      await file.close();
      const text = msg('concur.noToken');
      return { outcome: { kind: 'auth', message: english.say(text), text } };
    }
    if (options.tokens && options.tokens.baseUrl() !== base.href) {
      // The token's renewal may have learnt where the user lives: the upload goes there.
      base = checkBaseUrl(options.tokens.baseUrl());
      url = imageUrl(base.href, target);
    }
    const post = posterFor(base);
    registerSecret(token);

    const started = Date.now();
    const body = file.chunks(upload.expect);
    const fields = { method: 'POST', target: target.kind, size, contentType };
    let outcome: UploadOutcome;
    let reply: Reply;
    try {
      reply = await post({
        url,
        body,
        size,
        headers: {
          authorization: `${options.authScheme} ${token}`,
          accept: 'application/xml',
          'content-type': contentType,
          'content-length': String(size), // exact: Concur answers 400 to chunked bodies
        },
        signal: upload.signal,
        onProgress: upload.onProgress,
      });
    } catch (error) {
      reply = { headers: {}, body: '', bytes: 0, error }; // node:http refused the options themselves
    } finally {
      // Waits for a read in progress, so the handle is not closed under it.
      await body.return(undefined);
      await file.close();
    }
    if (reply.status !== undefined) {
      // Even cut short, a 2xx status line means Concur holds the image: never a retry.
      outcome = classifyAnswer(
        { status: reply.status, headers: reply.headers, body: reply.body, cut: !!reply.cut },
        target,
        token,
      );
    } else if (reply.error instanceof ScanChanged) {
      // The body's reader threw: the request was destroyed before the last chunk.
      outcome = changedOutcome();
    } else {
      const text = describeFailure(reply, base, { connectMs, responseMs });
      // The errno is for whoever reads the log; people read the sentence.
      log.info('no answer', { code: errorCode(reply.error) });
      outcome = { kind: 'transient', message: english.say(text), text };
    }

    const status = 'status' in outcome ? outcome.status : undefined;
    const line = {
      ...fields,
      status,
      outcome: outcome.kind,
      ms: Date.now() - started,
      answerBytes: reply.bytes,
      answerCut: reply.cut,
      correlationId: 'correlationId' in outcome ? outcome.correlationId : undefined,
      ...(outcome.kind === 'uploaded'
        ? { imageId: outcome.imageId }
        : { concurMessage: outcome.message }),
    };
    if (outcome.kind === 'uploaded') log.info('image uploaded', line);
    else log.warn('upload not accepted', line);
    return { outcome, token, again: reply.again };
  }

  return { uploadImage };
}

/** Concur never says more than a few KB; anything past this is a fault, not an answer. */
const MAX_ANSWER_BYTES = 1024 * 1024;

function changedOutcome(): UploadOutcome {
  return {
    kind: 'changed',
    message:
      'The file changed while it was being sent, so the upload was stopped before Concur could keep it.',
  };
}

const seconds = (ms: number) => (ms >= 1000 ? Math.round(ms / 100) / 10 : ms / 1000);

/**
 * Our own words for a failed request, in plain words: the errno (ECONNREFUSED,
 * ENOTFOUND) goes to the log, not to the person. Nothing of the error but its
 * code is passed on (an HTTP library's errors may carry the request's headers).
 */
function describeFailure(
  reply: Reply,
  base: URL,
  limits: { connectMs: number; responseMs: number },
): Message {
  const { error } = reply;
  const host = base.host;
  const code = errorCode(error);
  if (error instanceof NetworkSetupError)
    return error.text ?? msg('network.setup', { message: error.message });
  if (error instanceof ProxyRefused)
    return error.status === 407
      ? msg('network.proxy407', { proxy: error.proxy })
      : msg('network.proxyRefused', { proxy: error.proxy, host, status: error.status });
  if (reply.proxy && !reply.tunnelled && !(error instanceof DeadlineExceeded)) {
    const why =
      error instanceof RequestTimeout
        ? msg('network.proxyNoAnswer', { seconds: seconds(limits.connectMs) })
        : errnoWords(code);
    return msg('network.proxyUnreachable', { proxy: reply.proxy, why });
  }
  if (error instanceof UntrustedCertificate)
    return msg('network.untrusted', {
      host,
      issuer: error.issuer ? `"${error.issuer}"` : msg('network.anAuthority'),
      code: error.code,
    });
  if (error instanceof DeadlineExceeded)
    return msg('network.deadline', { host, seconds: seconds(error.ms) });
  if (error instanceof RequestTimeout) {
    if (error.event === 'connect')
      return msg('network.connectTimeout', { host, seconds: seconds(limits.connectMs) });
    if (error.event === 'response')
      return msg('network.deadline', { host, seconds: seconds(limits.responseMs) });
    if (error.event === 'socket')
      return msg('network.stalled', { host, seconds: seconds(limits.responseMs + 1000) });
  }
  if (code === 'ERR_ABORTED' || (error instanceof Error && error.name === 'AbortError'))
    return msg('network.cancelled');
  if (error instanceof ScanReadError) return msg('network.unreadable');
  switch (code) {
    case 'ECONNREFUSED':
      return msg('network.refused', { host });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return msg('network.notFound', { host });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return msg('network.closed', { host });
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return msg('network.unreachable', { host });
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|VERIFY/.test(code)) return msg('network.certificate', { host });
  return msg('network.other', { host });
}
