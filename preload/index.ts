import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CALL_NAMES,
  callChannel,
  EVENT_NAMES,
  eventChannel,
  subscriptionName,
  type ConcurDropApi,
  type EventName,
  type EventPayloads,
} from './contract.js';

/**
 * The bridge into the sandboxed page: `window.concurDrop`, built from the
 * contract — one domain verb per call (`retry(jobId)`), one subscription per
 * event (`onJob(listener)` returning its unsubscribe). No generic invoke and
 * no ipcRenderer reach the page, so it can ask for nothing the contract does
 * not name; main checks the sender and the arguments again anyway.
 */

/** Builds the API object (exported for the preload test). */
export function buildApi(): ConcurDropApi {
  const api: Record<string, unknown> = {};
  for (const name of CALL_NAMES) {
    const channel = callChannel(name);
    api[name] = (...args: unknown[]) => ipcRenderer.invoke(channel, ...args);
  }
  for (const event of EVENT_NAMES) api[subscriptionName(event)] = subscribe(event);
  return Object.freeze(api) as ConcurDropApi;
}

function subscribe<E extends EventName>(event: E) {
  const channel = eventChannel(event);
  return (listener: (payload: EventPayloads[E]) => void): (() => void) => {
    if (typeof listener !== 'function')
      throw new TypeError(`${subscriptionName(event)} needs a function`);
    // The IPC event object (with its sender) never reaches the page: only the payload.
    const wrapped = (_e: IpcRendererEvent, payload: EventPayloads[E]) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  };
}

contextBridge.exposeInMainWorld('concurDrop', buildApi());
