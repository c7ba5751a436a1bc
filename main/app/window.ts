import { BrowserWindow, type WebContents, type WebFrameMain } from 'electron';
import { pathToFileURL } from 'node:url';
import { eventChannel, type EventName, type EventPayloads } from '../../preload/contract.js';
import { createLogger } from '../engine/log/logger.js';

/**
 * The status/settings window (docs/architecture.md#security): sandboxed, context-isolated, no Node
 * in the page, a strict CSP, no navigation, no new windows, no permissions.
 * It is created hidden at start and lives until quit: closing it only hides
 * it, because the app lives in the tray.
 */

const log = createLogger('window');

/**
 * Only our own files; images may be data: URLs (icons). No 'unsafe-inline'
 * styles: nothing needs them (rows set widths through the CSSOM, lit adopts
 * constructed stylesheets), and they would let injected markup restyle the page.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Which page of the UI to show. */
export type View = 'status' | 'settings';

/** The shell's handle on the window: the only way other modules reach it. */
export interface StatusWindow {
  show(view?: View): void;
  hide(): void;
  /** A tray click: show when hidden or behind, hide when in front. */
  toggle(): void;
  /** A notification click: show the window at that job. */
  focusJob(jobId: string): void;
  /** Pushes an event to the page (dropped while there is no page to receive it). */
  send<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  /** True only for our page's main frame in our window (IPC sender check). */
  isTrustedSender(sender: WebContents, frame: WebFrameMain | null): boolean;
  /** Lets the window really close (the quit path). */
  allowClose(): void;
  readonly browserWindow: BrowserWindow;
}

export interface WindowOptions {
  /** The built renderer, out/renderer/index.html. */
  rendererFile: string;
  /** The built preload, out/preload/index.cjs. */
  preloadFile: string;
  icon?: string;
  /** Dev tools only in development builds. */
  devTools?: boolean;
}

/** Creates the (hidden) window and locks it down. */
export function setupWindow(options: WindowOptions): StatusWindow {
  const win = new BrowserWindow({
    width: 980,
    height: 700,
    minWidth: 640,
    minHeight: 420,
    show: false,
    title: 'Concur Drop',
    icon: options.icon,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: options.devTools ?? false,
    },
  });
  const pageUrl = pathToFileURL(options.rendererFile).href;
  lockDown(win.webContents, pageUrl);

  let closable = false;
  let loaded = false;
  const queued: (() => void)[] = [];
  win.on('close', (event) => {
    if (closable) return;
    event.preventDefault();
    win.hide();
  });
  win.webContents.on('did-finish-load', () => {
    loaded = true;
    for (const run of queued.splice(0)) run();
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    log.error('the window page crashed; reloading', { reason: details?.reason });
    loaded = false;
    void win.loadFile(options.rendererFile);
  });
  void win.loadFile(options.rendererFile).catch((error: unknown) => {
    log.error('could not load the window page', { error });
  });

  const whenLoaded = (run: () => void) => (loaded ? run() : queued.push(run));
  const setView = (view: View) =>
    whenLoaded(() => {
      // The UI routes by hash (#status, #settings); an in-page change is not a navigation.
      void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(view)}`, false);
    });

  const show = (view?: View) => {
    if (view) setView(view);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  return {
    browserWindow: win,
    show,
    hide: () => win.hide(),
    toggle: () => (win.isVisible() && win.isFocused() ? win.hide() : show()),
    focusJob(jobId) {
      show('status');
      whenLoaded(() => send('focusJob', jobId));
    },
    send,
    isTrustedSender(sender, frame) {
      if (win.isDestroyed() || sender !== win.webContents || !frame) return false;
      if (frame.parent !== null) return false; // a subframe is never ours
      return stripFragment(frame.url) === pageUrl;
    },
    allowClose() {
      closable = true;
    },
  };

  function send<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    if (win.isDestroyed() || !loaded) return;
    win.webContents.send(eventChannel(event), payload);
  }
}

function stripFragment(url: string): string {
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  return u.href;
}

/** docs/architecture.md#security: nothing but our own page, and it may ask for nothing. */
function lockDown(contents: WebContents, pageUrl: string): void {
  contents.setWindowOpenHandler(({ url }) => {
    log.warn('refused to open a new window', { url });
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (stripFragment(url) === pageUrl) return; // a reload of our own page
    log.warn('refused navigation', { url });
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn('refused a permission request', { permission });
    callback(false);
  });
  contents.session.setPermissionCheckHandler(() => false);
  contents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
}
