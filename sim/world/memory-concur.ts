import { createHash } from 'node:crypto';
import type {
  ConcurClient,
  UploadOptions,
  UploadOutcome,
} from '../../main/engine/concur/concur-client.js';
import {
  isUploadable,
  sniffContentType,
  SNIFF_BYTES,
} from '../../main/engine/inspect/file-type.js';
import { MAX_IMAGE_BYTES } from '../../main/engine/inspect/inspect.js';
import { targetKey } from '../../main/engine/routing/route.js';
import type { UploadTarget } from '../../main/engine/types.js';
import type { Life } from './life.js';
import type { MemoryFileSystem } from './memory-fs.js';
import type { SeededRandom } from './seeded-random.js';
import type { VirtualClock } from './virtual-clock.js';

/**
 * Concur as the simulated office meets it: each call reads the file through
 * the memory file system (aborting if the bytes differ from `expect`) and then
 * behaves as the seed decides: accepts, fails transiently, drops the
 * connection, accepts and loses the answer, or hangs until the 60 s deadline.
 * A refused token answers `auth` until a new one is set. Every image Concur
 * kept is recorded for the invariant checkers, with the uploads a crash or a
 * lost answer hit, which may legitimately arrive once more.
 */

export type ConcurBehaviour =
  | 'accept'
  | 'server-error'
  | 'rate-limit-429'
  | 'rate-limit-400'
  | 'drop'
  | 'accept-lost'
  | 'hang'
  /** Accepts, then drips the body past the deadline: the client has the 201 but no image id. */
  | 'drip'
  /** Accepts, then floods a huge body: the client caps it and keeps the 201 without an id. */
  | 'flood';

/** An image Concur now holds. */
export interface ReceivedImage {
  target: UploadTarget;
  key: string;
  sha256: string;
  size: number;
  bytes: Uint8Array;
  at: number;
  imageId: string;
  /** The engine life that sent it. */
  life: number;
}

/** One call, for the trace. */
export interface ConcurCall {
  at: number;
  life: number;
  key: string;
  path: string;
  /** What Concur did, or why no request was made. */
  what: ConcurBehaviour | 'auth' | 'changed' | 'refused' | 'already-has-image';
}

/** The engine's upload options, with the size and hash it expects to send. */
export interface SimUploadOptions extends UploadOptions {
  expect?: { size: number; sha256: string };
}

/** The outcome a client gives when the file no longer holds the bytes the engine expects. */
export interface ChangedOutcome {
  kind: 'changed';
  message: string;
}

function changedOutcome(): UploadOutcome {
  const changed: ChangedOutcome = {
    kind: 'changed',
    message: 'The file changed after it was checked; nothing was sent.',
  };
  // Until UploadOutcome names it, the engine reads this kind by its `kind` alone.
  return changed as unknown as UploadOutcome;
}

/** Concur's own limit: it answers within 60 s or it has failed (docs/architecture.md#concurs-rules). */
export const CONCUR_DEADLINE_MS = 60_000;

export const BEHAVIOUR_MIXES = {
  /** Concur on a good day. */
  calm: { accept: 1 },
  /** A bad hour: every kind of trouble, mostly still accepting. */
  flaky: {
    accept: 6,
    'server-error': 1,
    'rate-limit-429': 1,
    'rate-limit-400': 1,
    drop: 1,
    'accept-lost': 1,
    hang: 0.3,
    drip: 0.2,
    flood: 0.3,
  },
  /** Nothing gets through. */
  outage: { 'server-error': 3, drop: 2, hang: 1 },
} satisfies Record<string, Partial<Record<ConcurBehaviour, number>>>;

export type BehaviourMix = keyof typeof BEHAVIOUR_MIXES;

interface Flight {
  life: Life;
  key: string;
  sha256: string;
}

export class MemoryConcur {
  readonly received: ReceivedImage[] = [];
  readonly calls: ConcurCall[] = [];
  /** Extra copies allowed per `key sha256`: uploads a crash or a lost answer hit. */
  readonly allowance = new Map<string, number>();
  /** Behaviours the next calls take, before the mix is consulted (for tests). */
  readonly forced: ConcurBehaviour[] = [];
  mix: BehaviourMix = 'calm';
  private validToken: string;
  private refused = false;
  private imageSeq = 0;
  private tokenSeq = 0;
  private readonly flights = new Set<Flight>();
  /** Uploads Concur kept and answered, per life, until that life ends. */
  private answered: Flight[] = [];
  private readonly tokenListeners = new Set<() => void>();

  constructor(
    private readonly world: { fs: MemoryFileSystem; clock: VirtualClock; random: SeededRandom },
    private readonly tokenPrefix: string,
  ) {
    this.validToken = this.makeToken();
  }

  /** The token the user's keychain holds now. */
  get token(): string {
    return this.validToken;
  }

  /** Every token handed out so far: none may reach a file, event or output. */
  readonly tokensSeen: string[] = [];

  /** Concur stops honouring the token (expired or revoked) until `newToken`. */
  refuseToken(): void {
    this.refused = true;
  }

  /** The user signs in again: a new token in the keychain, honoured by Concur. */
  newToken(): string {
    this.refused = false;
    this.validToken = this.makeToken();
    for (const listener of this.tokenListeners) listener();
    return this.validToken;
  }

  onTokenChange(listener: () => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  /** Images Concur holds for a target key. */
  imagesFor(key: string): ReceivedImage[] {
    return this.received.filter((r) => r.key === key);
  }

  /**
   * A life ended: every upload it had on the wire may still land, and may be
   * sent again. So may one Concur accepted and answered whose answer the
   * engine had not yet made durable (`unrecorded`: `key sha256` of uploads its
   * ledger still shows as going out): after a restart it cannot know.
   */
  lifeEnded(life: Life, unrecorded: () => ReadonlySet<string> = () => new Set()): void {
    for (const flight of [...this.flights]) {
      if (flight.life !== life) continue;
      this.flights.delete(flight);
      this.allow(flight.key, flight.sha256);
    }
    const answered = this.answered.filter((f) => f.life === life);
    // Reading the ledger costs: only when some answer might not have been recorded.
    const going = answered.length ? unrecorded() : undefined;
    for (const flight of answered) {
      if (going?.has(`${flight.key} ${flight.sha256}`)) this.allow(flight.key, flight.sha256);
    }
    this.answered = this.answered.filter((f) => f.life !== life);
  }

  /** The client one engine life uploads through. */
  client(life: Life): ConcurClient {
    return {
      uploadImage: (target, filePath, options) =>
        this.upload(life, target, filePath, options as SimUploadOptions | undefined),
    };
  }

  private makeToken(): string {
    const token = `${this.tokenPrefix}-${++this.tokenSeq}-${this.world.random.int(1e8, 9e8).toString(36)}`;
    this.tokensSeen.push(token);
    return token;
  }

  private allow(key: string, sha256: string): void {
    const id = `${key} ${sha256}`;
    this.allowance.set(id, (this.allowance.get(id) ?? 0) + 1);
  }

  private record(life: Life, key: string, path: string, what: ConcurCall['what']): void {
    this.calls.push({ at: this.world.clock.now(), life: life.number, key, path, what });
  }

  private async upload(
    life: Life,
    target: UploadTarget,
    filePath: string,
    options: SimUploadOptions = {},
  ): Promise<UploadOutcome> {
    const { clock, random } = this.world;
    const key = targetKey(target);
    // Bytes the engine holds from inspection go as they are, like the real client sends them.
    const read = options.held
      ? await this.heldBody(options.held)
      : await this.readBody(life, filePath);
    if ('refusal' in read) {
      this.record(life, key, filePath, 'refused');
      return read.refusal;
    }
    const { bytes } = read;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (
      options.expect &&
      (options.expect.size !== bytes.length || options.expect.sha256 !== sha256)
    ) {
      this.record(life, key, filePath, 'changed');
      return changedOutcome();
    }
    if (this.refused) {
      this.record(life, key, filePath, 'auth');
      await clock.sleep(random.int(20, 300), life);
      return {
        kind: 'auth',
        status: 403,
        message:
          'Concur refused the token: it has expired, was revoked, or may not upload images (HTTP 403).',
      };
    }

    const behaviour = this.forced.shift() ?? random.weighted(BEHAVIOUR_MIXES[this.mix]);
    const latency = random.int(20, 3000);
    const flight: Flight = { life, key, sha256 };
    this.flights.add(flight);
    // The engine may abort (a stop, a deadline of its own): the attempt ends as transient at once.
    let aborted = options.signal?.aborted ?? false;
    let stored: ReceivedImage | undefined;
    const abort = new Promise<'aborted'>((resolve) => {
      if (aborted) resolve('aborted');
      options.signal?.addEventListener(
        'abort',
        () => {
          aborted = true;
          resolve('aborted');
        },
        { once: true },
      );
    });
    const cancelled = (): UploadOutcome => {
      this.flights.delete(flight);
      // Concur kept it, but the engine will never hear so: it may send it once more.
      if (stored && behaviour !== 'accept-lost') this.allow(key, sha256);
      return { kind: 'transient', message: 'The upload was cancelled.' };
    };
    const answer = async (outcome: UploadOutcome, afterMs: number): Promise<UploadOutcome> => {
      if ((await Promise.race([clock.sleep(afterMs, life), abort])) === 'aborted')
        return cancelled();
      this.flights.delete(flight);
      if (stored && outcome.kind === 'uploaded') this.answered.push(flight);
      options.onProgress?.(1);
      return outcome;
    };

    switch (behaviour) {
      case 'accept':
      case 'accept-lost':
      case 'drip':
      case 'flood': {
        // Concur keeps the image halfway through the call, whatever becomes of the caller,
        // unless the body was cut off before that.
        const keeping = new Promise<ReceivedImage | 'already' | 'aborted'>((resolve) =>
          clock.setTimeout(() => {
            if (aborted) return resolve('aborted');
            const kept = this.keep(life, target, key, bytes, sha256);
            if (kept !== 'already') stored = kept;
            resolve(kept);
          }, latency / 2),
        );
        const kept = await Promise.race([keeping, abort]);
        if (kept === 'aborted') return cancelled();
        if (behaviour === 'accept-lost') {
          this.record(life, key, filePath, 'accept-lost');
          if (kept !== 'already') this.allow(key, sha256);
          return answer(
            {
              kind: 'transient',
              message: 'The connection to Concur was closed before it answered (ECONNRESET).',
            },
            latency / 2,
          );
        }
        if (kept === 'already') {
          this.record(life, key, filePath, 'already-has-image');
          return answer(
            {
              kind: 'alreadyHasImage',
              status: 400,
              message: `This ${target.kind} already has an image.`,
            },
            latency / 2,
          );
        }
        this.record(life, key, filePath, behaviour);
        return answer(
          { kind: 'uploaded', imageId: behaviour === 'accept' ? kept.imageId : '', status: 201 },
          behaviour === 'drip' ? CONCUR_DEADLINE_MS : latency / 2,
        );
      }
      case 'server-error':
        this.record(life, key, filePath, behaviour);
        return answer(
          {
            kind: 'transient',
            status: 503,
            message: 'Concur is unavailable, perhaps for maintenance (HTTP 503).',
          },
          latency,
        );
      case 'rate-limit-429':
        this.record(life, key, filePath, behaviour);
        return answer(
          {
            kind: 'transient',
            status: 429,
            message: 'Concur is limiting the request rate (HTTP 429).',
            retryAfterMs: random.int(1, 30) * 1000,
          },
          latency,
        );
      case 'rate-limit-400':
        this.record(life, key, filePath, behaviour);
        return answer(
          { kind: 'transient', status: 400, message: 'Request limit exceeded, try again later.' },
          latency,
        );
      case 'drop':
        this.record(life, key, filePath, behaviour);
        return answer(
          {
            kind: 'transient',
            message: 'The connection to Concur was closed before it answered (ECONNRESET).',
          },
          latency / 2,
        );
      case 'hang':
        this.record(life, key, filePath, behaviour);
        return answer(
          { kind: 'transient', message: 'Concur did not answer within 60 s.' },
          CONCUR_DEADLINE_MS,
        );
    }
  }

  /** Concur stores the image, unless the entry or invoice holds one already. */
  private keep(
    life: Life,
    target: UploadTarget,
    key: string,
    bytes: Uint8Array,
    sha256: string,
  ): ReceivedImage | 'already' {
    if ((target.kind === 'entry' || target.kind === 'invoice') && this.imagesFor(key).length > 0)
      return 'already';
    const image: ReceivedImage = {
      target,
      key,
      sha256,
      size: bytes.length,
      bytes,
      at: this.world.clock.now(),
      imageId: `IMG${(++this.imageSeq).toString().padStart(6, '0')}`,
      life: life.number,
    };
    this.received.push(image);
    return image;
  }

  /** Reads the whole body as the real client streams it, with the checks it makes first. */
  /** Bytes the engine holds; its check that the file is still their version comes before the body completes. */
  private async heldBody(held: NonNullable<UploadOptions['held']>) {
    if (held.confirm && !(await held.confirm())) return { refusal: changedOutcome() };
    return { bytes: held.bytes };
  }

  private async readBody(
    life: Life,
    filePath: string,
  ): Promise<{ bytes: Uint8Array } | { refusal: UploadOutcome }> {
    const fs = this.world.fs.view(life);
    const name = filePath.slice(filePath.lastIndexOf('/') + 1);
    const refused = (message: string, unreadable?: string) => ({
      refusal: (unreadable === undefined
        ? { kind: 'rejected', status: 0, message }
        : { kind: 'rejected', status: 0, message, unreadable }) as UploadOutcome,
    });
    let handle;
    try {
      handle = await fs.open(filePath);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'EIO';
      return refused(`Could not open ${name} (${code}).`, code);
    }
    try {
      const stat = await handle.stat();
      if (stat.size === 0) return refused(`${name} is empty.`);
      if (stat.size > MAX_IMAGE_BYTES)
        return refused(`${name} is larger than Concur's 10 MB limit for one image.`);
      const bytes = new Uint8Array(stat.size);
      let at = 0;
      while (at < bytes.length) {
        const n = await handle.read(bytes, at, bytes.length - at, at);
        if (n === 0) break;
        at += n;
      }
      if (at < bytes.length)
        return {
          refusal: {
            kind: 'transient',
            message: 'The file could not be read while it was being sent (it got shorter).',
          },
        };
      if (!isUploadable(sniffContentType(bytes.subarray(0, SNIFF_BYTES))))
        return refused(`${name} is not a PDF, JPEG or PNG.`);
      return { bytes };
    } catch (error) {
      return {
        refusal: {
          kind: 'transient',
          message: `The file could not be read while it was being sent (${(error as { code?: string }).code}).`,
        },
      };
    } finally {
      await handle.close();
    }
  }
}
