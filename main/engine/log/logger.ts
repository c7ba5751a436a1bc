import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One logger per module (`createLogger('uploader')`), all writing to one file
 * in the data dir with size-based rotation. Secrets never reach the file:
 * registered secrets and any Authorization header value are redacted before
 * a line is written.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

interface Sink {
  dir: string | null;
  maxBytes: number;
  keep: number;
  /** Extra listener, e.g. tests capturing output or the CLI echoing with --verbose. */
  listener?: (line: string) => void;
  /**
   * The log file, kept open for appending: a line is one write, not a stat, an open, a write
   * and a close (that cost a busy backlog a tenth of its CPU).
   */
  fd: number | null;
  /** Bytes in the file as far as this process knows (for rotation). */
  size: number;
}

const sink: Sink = { dir: null, maxBytes: 5 * 1024 * 1024, keep: 3, fd: null, size: 0 };
const secrets = new Set<string>();
const AUTH_HEADER = /\b(authorization["']?\s*[:=]\s*["']?)(oauth|bearer)?\s*[^\s"',}]+/gi;

/** Points every logger at `<dir>/concur-drop.log`. Call once per host at start. */
export function configureLogging(options: {
  dir: string | null;
  maxBytes?: number;
  keep?: number;
  listener?: (line: string) => void;
}): void {
  closeLog();
  sink.dir = options.dir;
  sink.maxBytes = options.maxBytes ?? sink.maxBytes;
  sink.keep = options.keep ?? sink.keep;
  sink.listener = options.listener;
  if (sink.dir) mkdirSync(sink.dir, { recursive: true });
}

/** Any string registered here is replaced by «redacted» in every log line. */
export function registerSecret(secret: string | null | undefined): void {
  if (secret && secret.length >= 4) secrets.add(secret);
}

/** Removes registered secrets and Authorization values from any text. */
export function redact(text: string): string {
  let out = text.replace(
    AUTH_HEADER,
    (_m, key: string, scheme?: string) => `${key}${scheme ? scheme + ' ' : ''}«redacted»`,
  );
  for (const secret of secrets) out = out.split(secret).join('«redacted»');
  return out;
}

export function logFilePath(): string | null {
  return sink.dir ? join(sink.dir, 'concur-drop.log') : null;
}

function rotate(file: string): void {
  for (let i = sink.keep - 1; i >= 1; i--) {
    try {
      renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    } catch {
      /* that generation does not exist yet */
    }
  }
  try {
    renameSync(file, `${file}.1`);
  } catch {
    /* nothing to rotate */
  }
}

function write(
  level: LogLevel,
  module: string,
  message: string,
  fields?: Record<string, unknown>,
): void {
  const entry = { time: new Date().toISOString(), level, module, message, ...fields };
  let line: string;
  try {
    line = redact(JSON.stringify(entry, (_k, v: unknown) => (v instanceof Error ? v.message : v)));
  } catch {
    line = redact(JSON.stringify({ time: entry.time, level, module, message }));
  }
  sink.listener?.(line);
  const file = logFilePath();
  if (!file) return;
  try {
    if (sink.fd !== null && sink.size > sink.maxBytes) {
      closeLog();
      rotate(file);
    }
    if (sink.fd === null) {
      openLog(file);
      if (sink.size > sink.maxBytes) {
        closeLog();
        rotate(file);
        openLog(file);
      }
    }
    sink.size += writeSync(sink.fd!, line + '\n');
  } catch {
    // Logging must never take the engine down (a full disk, a read-only data dir).
    closeLog();
  }
}

/** O_APPEND: other processes logging to the same file (status, retry) never overwrite it. */
function openLog(file: string): void {
  sink.fd = openSync(file, 'a');
  sink.size = fstatSync(sink.fd).size;
}

/** Closes the log file (it is opened again by the next line). */
export function closeLog(): void {
  if (sink.fd === null) return;
  try {
    closeSync(sink.fd);
  } catch {
    // already gone
  }
  sink.fd = null;
}

export function createLogger(module: string): Logger {
  return {
    debug: (m, f) => write('debug', module, m, f),
    info: (m, f) => write('info', module, m, f),
    warn: (m, f) => write('warn', module, m, f),
    error: (m, f) => write('error', module, m, f),
  };
}
