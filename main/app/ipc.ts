import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES, callChannel, parseArgs, type CallName } from '../../preload/contract.js';
import type { ApiHandlers } from '../engine/api/api-handlers.js';
import { createLogger, redact } from '../engine/log/logger.js';
import type { EngineEventMap, Job, Summary } from '../engine/types.js';
import type { ShellEngine } from './shell-engine.js';
import type { StatusWindow } from './window.js';

/**
 * The main side of the contract (docs/architecture.md#security, docs/architecture.md#how-the-code-reads: one typed contract): one
 * `ipcMain.handle` per call. Every call is checked before it reaches the
 * handlers shared with the browser UI server: it must come from our window's
 * main frame showing our page, and its arguments must fit the contract's
 * schema. Engine events go to the window 1:1.
 */

const log = createLogger('ipc');

/** A refused call; the message reaches the page, the details go to the log. */
export class RefusedCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedCallError';
  }
}

export interface IpcOptions {
  handlers: ApiHandlers;
  window: StatusWindow;
  engine: ShellEngine;
}

/** Registers every call of the contract and forwards engine events; returns an undo for tests and quit. */
export function setupIpc({ handlers, window, engine }: IpcOptions): () => void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), (event: IpcMainInvokeEvent, ...args: unknown[]) =>
      handle(name, event, args),
    );
  }

  async function handle(name: CallName, event: IpcMainInvokeEvent, args: unknown[]) {
    if (!window.isTrustedSender(event.sender, event.senderFrame)) {
      log.warn('refused a call from a foreign sender', {
        call: name,
        url: event.senderFrame?.url ?? '(no frame)',
      });
      throw new RefusedCallError(
        `${name} was refused: it did not come from the Concur Drop window`,
      );
    }
    const parsed = parseArgs(name, args);
    if (!parsed) {
      log.warn('refused a call with bad arguments', { call: name, count: args.length });
      throw new RefusedCallError(`${name} was refused: its arguments do not fit the contract`);
    }
    const handler = handlers[name] as (...a: unknown[]) => Promise<unknown>;
    try {
      return await handler(...(parsed as unknown[]));
    } catch (error) {
      // Electron hands a thrown error's message to the page: redact it first,
      // as the browser UI server does, so a registered token can never reach
      // the renderer through a failure (docs/architecture.md#security).
      const message = redact(error instanceof Error ? error.message : String(error));
      log.warn('a call failed', { call: name, error: message });
      // Electron sends only `message` to the page; the cause stays in main.
      throw new Error(message, { cause: error });
    }
  }

  const listeners = {
    job: (job: Job) => window.send('job', job),
    summary: (summary: Summary) => window.send('summary', summary),
    // The page gets the words only; paths in notices stay in main's log.
    notice: (notice: EngineEventMap['notice'][0]) =>
      window.send('notice', { level: notice.level, message: notice.message, text: notice.text }),
  };
  engine.on('job', listeners.job);
  engine.on('summary', listeners.summary);
  engine.on('notice', listeners.notice);

  return () => {
    for (const name of CALL_NAMES) ipcMain.removeHandler(callChannel(name));
    engine.off('job', listeners.job);
    engine.off('summary', listeners.summary);
    engine.off('notice', listeners.notice);
  };
}
