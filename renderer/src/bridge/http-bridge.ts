import {
  CALL_NAMES,
  EVENT_NAMES,
  subscriptionName,
  type ConcurDropApi,
  type EventName,
} from '../../../preload/contract.js';

/**
 * `window.concurDrop` for the browser view served by `concur-drop watch
 * --ui-port`: each call is a POST to /api/call/<name>, events arrive over one
 * EventSource. The random token from the printed URL guards both.
 */

/** Header that carries the token on calls (an EventSource cannot set headers: query param there). */
export const TOKEN_HEADER = 'X-Concur-Drop-Token';
const STORAGE_KEY = 'concur-drop-token';
/** Jobs fetched again after a reconnect: the recent ones are what can have changed. */
const RESYNC_JOBS = 500;

type Listener = (payload: unknown) => void;

/** Installs the HTTP implementation unless a preload already provided one; true when installed. */
export function installHttpBridge(win: Window): boolean {
  const host = win as unknown as { concurDrop?: ConcurDropApi };
  if (host.concurDrop) return false;
  host.concurDrop = createHttpBridge(takeToken(win));
  return true;
}

/** Reads the token from the URL once, then drops it from the address bar (kept for reloads in this tab). */
function takeToken(win: Window): string {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    win.sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    win.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return win.sessionStorage.getItem(STORAGE_KEY) ?? '';
}

/** The ConcurDropApi over fetch + EventSource against the serving origin. */
export function createHttpBridge(token: string): ConcurDropApi {
  const bridge: Record<string, unknown> = {};
  for (const name of CALL_NAMES) {
    bridge[name] = async (...args: unknown[]) => {
      const response = await fetch(`/api/call/${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [TOKEN_HEADER]: token },
        body: JSON.stringify(args),
      });
      const body = (await response.json().catch(() => ({}))) as {
        result?: unknown;
        error?: string;
      };
      if (response.status === 403)
        throw new Error(
          'this page was opened without its key: use the full address (with ?token=…) that concur-drop printed at start',
        );
      if (!response.ok) throw new Error(body.error ?? `${name} failed (HTTP ${response.status})`);
      return body.result;
    };
  }

  const listeners = new Map<EventName, Set<Listener>>();
  const dispatch = (event: EventName, payload: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  let source: EventSource | null = null;
  let connectedBefore = false;
  const connect = () => {
    if (source) return;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    for (const event of EVENT_NAMES) {
      source.addEventListener(event, (message) =>
        dispatch(event, JSON.parse((message as MessageEvent<string>).data) as unknown),
      );
    }
    // EventSource reconnects by itself (e.g. after the laptop slept); what changed
    // meanwhile is fetched once and replayed as events, so the views catch up.
    source.addEventListener('open', () => {
      if (connectedBefore) void resync();
      connectedBefore = true;
    });
  };
  const resync = async () => {
    const api = bridge as ConcurDropApi;
    dispatch('summary', await api.getSummary());
    for (const job of (await api.getJobs('all', RESYNC_JOBS)).reverse()) dispatch('job', job);
  };
  for (const event of EVENT_NAMES) {
    bridge[subscriptionName(event)] = (listener: Listener) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      connect();
      return () => set.delete(listener);
    };
  }
  return bridge as ConcurDropApi;
}
