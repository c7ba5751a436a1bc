import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FakeBrowserWindow,
  FakeEvent,
  rendererLink,
  type FakeFrame,
  type FakeWebContents,
} from './fake-browser-window.js';

export * from './fake-browser-window.js';

/**
 * Stand-in for the `electron` module in the shell's tests (installed once by
 * test/setup.ts). The Electron binary cannot run here, so this records what the
 * shell asks of Electron — window options, tray images and menus,
 * notifications, IPC handlers, login items — and lets tests act as the user or
 * the OS would (click the tray, a menu item or a notification; send an IPC call
 * from a given frame; start a second instance). It follows Electron's own
 * behaviour where the shell depends on it: a second `ipcMain.handle` for one
 * channel throws, `close` can be prevented, `app.quit()` emits before-quit and
 * will-quit, `webContents.send` reaches the preload's `ipcRenderer.on`.
 */
export class FakeNativeImage {
  template = false;
  constructor(readonly path: string) {}
  isEmpty(): boolean {
    return !this.path || !existsSync(this.path);
  }
  setTemplateImage(on: boolean): void {
    this.template = on;
  }
  isTemplateImage(): boolean {
    return this.template;
  }
}

export const nativeImage = {
  createFromPath: (path: string) => new FakeNativeImage(path),
  createEmpty: () => new FakeNativeImage(''),
};

export interface FakeMenuItem {
  label?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  click?: (...args: unknown[]) => unknown;
  submenu?: FakeMenu | FakeMenuItem[];
  role?: string;
}

export class FakeMenu {
  constructor(readonly items: FakeMenuItem[]) {}
  /** A top-level or nested item by label (a submenu path: 'Open watched folder', 'Scans'). */
  item(...labels: string[]): FakeMenuItem | undefined {
    let items: FakeMenuItem[] = this.items;
    let found: FakeMenuItem | undefined;
    for (const label of labels) {
      found = items.find((i) => i.label === label || i.label?.startsWith(label));
      if (!found) return undefined;
      const sub = found.submenu;
      items = sub instanceof FakeMenu ? sub.items : (sub ?? []);
    }
    return found;
  }
  labels(): string[] {
    return this.items.map((i) => (i.type === 'separator' ? '---' : (i.label ?? '')));
  }
}

export const Menu = {
  buildFromTemplate: (template: FakeMenuItem[]): FakeMenu =>
    new FakeMenu(
      template.map((i): FakeMenuItem => ({
        ...i,
        submenu: Array.isArray(i.submenu) ? Menu.buildFromTemplate(i.submenu) : i.submenu,
      })),
    ),
  setApplicationMenu: (menu: FakeMenu | null) => {
    fake.applicationMenu = menu;
  },
};

export class FakeTray extends EventEmitter {
  static readonly all: FakeTray[] = [];
  image: FakeNativeImage | string;
  tooltip = '';
  menu: FakeMenu | null = null;
  /** How often setContextMenu was called (Linux needs it again on every change). */
  menuSets = 0;
  destroyed = false;
  constructor(image: FakeNativeImage | string) {
    super();
    this.image = image;
    FakeTray.all.push(this);
  }
  setImage(image: FakeNativeImage | string): void {
    this.image = image;
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setContextMenu(menu: FakeMenu | null): void {
    this.menu = menu;
    this.menuSets++;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export class FakeNotification extends EventEmitter {
  static readonly shown: FakeNotification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  constructor(readonly options: { title?: string; body?: string; silent?: boolean } = {}) {
    super();
  }
  get title(): string {
    return this.options.title ?? '';
  }
  get body(): string {
    return this.options.body ?? '';
  }
  show(): void {
    FakeNotification.shown.push(this);
    this.emit('show');
  }
  close(): void {
    this.emit('close');
  }
  /** The user clicks the toast. */
  click(): void {
    this.emit('click', new FakeEvent());
  }
}

type InvokeHandler = (event: FakeInvokeEvent, ...args: unknown[]) => unknown;
export interface FakeInvokeEvent {
  sender: FakeWebContents;
  senderFrame: FakeFrame | null;
  frameId: number;
  processId: number;
  type: 'frame';
}

export const ipcMain = Object.assign(new EventEmitter(), {
  handlers: new Map<string, InvokeHandler>(),
  handle(channel: string, handler: InvokeHandler): void {
    if (ipcMain.handlers.has(channel)) {
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    }
    ipcMain.handlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    ipcMain.handlers.delete(channel);
  },
  /**
   * A renderer frame calls `ipcRenderer.invoke(channel, ...args)`. Like Electron,
   * a handler's thrown error reaches the caller as a rejection, and arguments
   * and results pass through the structured clone.
   */
  async invokeFrom(
    sender: FakeWebContents,
    frame: FakeFrame | null,
    channel: string,
    ...args: unknown[]
  ): Promise<unknown> {
    const handler = ipcMain.handlers.get(channel);
    if (!handler)
      throw new Error(`Error invoking remote method '${channel}': No handler registered`);
    const event: FakeInvokeEvent = {
      sender,
      senderFrame: frame,
      frameId: 1,
      processId: 1,
      type: 'frame',
    };
    try {
      return structuredClone(await handler(event, ...structuredClone(args)));
    } catch (error) {
      // Electron sends only the message across; the cause stays here for debugging.
      throw new Error(`Error invoking remote method '${channel}': ${String(error)}`, {
        cause: error,
      });
    }
  },
});

/** The preload side: `invoke` goes to the window set as `fake.preloadTarget`. */
export const ipcRenderer = Object.assign(new EventEmitter(), {
  invoked: [] as { channel: string; args: unknown[] }[],
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    ipcRenderer.invoked.push({ channel, args });
    const wc = fake.preloadTarget;
    if (!wc) throw new Error(`Error invoking remote method '${channel}': no main process`);
    return ipcMain.invokeFrom(wc, wc.mainFrame, channel, ...args);
  },
  deliver(channel: string, args: unknown[]): void {
    ipcRenderer.emit(channel, { sender: ipcRenderer }, ...structuredClone(args));
  },
  send(): void {
    throw new Error('the shell uses invoke only');
  },
  sendSync(): never {
    throw new Error('the shell uses invoke only');
  },
});

rendererLink.deliver = (channel, args) => ipcRenderer.deliver(channel, args);

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    if (contextBridge.exposed.has(key))
      throw new Error(
        `Cannot bind an API on top of an existing property on the window object: ${key}`,
      );
    contextBridge.exposed.set(key, api);
  },
};

export const dialog = {
  calls: [] as { options: unknown }[],
  errors: [] as { title: string; content: string }[],
  showErrorBox(title: string, content: string): void {
    dialog.errors.push({ title, content });
  },
  /** What the next folder picker returns: the user's choice, or cancel. */
  nextResult: { canceled: true, filePaths: [] as string[] },
  async showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    dialog.calls.push({ options: args[args.length - 1] });
    return dialog.nextResult;
  },
};

export const shell = {
  revealed: [] as string[],
  opened: [] as string[],
  showItemInFolder(path: string): void {
    shell.revealed.push(path);
  },
  async openPath(path: string): Promise<string> {
    shell.opened.push(path);
    return existsSync(path) ? '' : `Failed to open path: ${path}`;
  },
  async openExternal(url: string): Promise<void> {
    shell.opened.push(url);
  },
};

/** Which colours the app asks of the OS; the page's prefers-color-scheme follows it. */
export const nativeTheme = {
  themeSource: 'system' as 'system' | 'light' | 'dark',
};

/**
 * Chromium's proxy resolution: `pac` plays the PAC file (or the OS settings),
 * answering per URL as FindProxyForURL does; every URL asked is recorded.
 */
export const session = {
  defaultSession: {
    pac: (() => 'DIRECT') as (url: string, host: string) => string,
    resolved: [] as string[],
    async resolveProxy(url: string): Promise<string> {
      session.defaultSession.resolved.push(url);
      return session.defaultSession.pac(url, new URL(url).hostname);
    },
  },
};

/**
 * Chromium's network stack as the shell uses it (`net.request`), over Node's
 * http. Faithful where the shell depends on it: a body that is not chunked is
 * held until `end()` and sent whole with its exact Content-Length; the proxy
 * is the session's (`resolveProxy`), sent the absolute URL as Chromium sends
 * an http:// request to a proxy; a 407 offering Negotiate or NTLM is answered
 * as Chromium answers it with the user's Windows login (here a placeholder:
 * no Windows domain exists, so the negotiation itself is not played), any
 * other 407 is handed to `login` and, with no credentials given, becomes the
 * response. Plain http only (the sandbox on loopback).
 */
export class FakeClientRequest extends EventEmitter {
  static readonly made: FakeClientRequest[] = [];
  private readonly chunks: Buffer[] = [];
  private current: http.ClientRequest | undefined;
  aborted = false;
  /** Whether it answered a proxy's Windows-login challenge. */
  signedIn = false;
  constructor(
    readonly options: { method?: string; url: string; headers?: Record<string, string> },
  ) {
    super();
    FakeClientRequest.made.push(this);
  }
  write(chunk: Buffer, _encoding?: string, callback?: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    callback?.();
  }
  end(): void {
    void this.start();
  }
  abort(): void {
    this.aborted = true;
    this.current?.destroy();
    this.emit('abort');
  }
  private async start(): Promise<void> {
    const url = new URL(this.options.url);
    const rule = (await session.defaultSession.resolveProxy(url.href)).split(';')[0].trim();
    const proxy = rule.startsWith('PROXY ') ? new URL(`http://${rule.slice(6)}`) : null;
    const body = Buffer.concat(this.chunks);
    const send = (authorization?: string) => {
      if (this.aborted) return;
      const headers = {
        ...this.options.headers,
        'content-length': String(body.length),
        ...(authorization ? { 'proxy-authorization': authorization } : {}),
      };
      const method = this.options.method ?? 'GET';
      const req = proxy
        ? http.request({ host: proxy.hostname, port: proxy.port, path: url.href, method, headers })
        : http.request(url, { method, headers });
      this.current = req;
      req.on('response', (res: http.IncomingMessage) => {
        const asks = String(res.headers['proxy-authenticate'] ?? '');
        if (res.statusCode === 407 && !authorization && /\b(negotiate|ntlm)\b/i.test(asks)) {
          res.resume();
          this.signedIn = true;
          send('Negotiate placeholder-for-the-windows-login');
          return;
        }
        if (res.statusCode === 407) this.emit('login', { isProxy: true }, () => undefined);
        this.emit('response', res);
      });
      req.on('error', (error) => {
        if (!this.aborted)
          this.emit('error', new Error(`net::ERR_CONNECTION_FAILED ${error.message}`));
      });
      req.end(body);
    };
    send();
  }
}

export const net = {
  request: (options: FakeClientRequest['options']) => new FakeClientRequest(options),
};

/** Electron always knows these; tests point userData at their own temp folder. */
function defaultPaths(): Record<string, string> {
  const base = join(tmpdir(), `fake-electron-${process.pid}`);
  return {
    userData: join(base, 'userData'),
    appData: base,
    home: homedir(),
    temp: tmpdir(),
    logs: join(base, 'logs'),
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

class FakeApp extends EventEmitter {
  userModelId: string | null = null;
  loginItemCalls: Record<string, unknown>[] = [];
  loginItem: Record<string, unknown> = { openAtLogin: false };
  quitCalls = 0;
  exitCode: number | null = null;
  quitted = false;
  lockGranted = true;
  lockRequests = 0;
  paths: Record<string, string> = defaultPaths();
  ready = false;
  isPackaged = false;
  name = 'Concur Drop';
  dockHidden = false;
  #ready = deferred();

  requestSingleInstanceLock(): boolean {
    this.lockRequests++;
    return this.lockGranted;
  }
  /** The OS starts the app again while this one runs. */
  launchSecondInstance(argv: string[] = [], cwd = '/'): void {
    this.emit('second-instance', new FakeEvent(), argv, cwd, {});
  }
  whenReady(): Promise<void> {
    return this.#ready.promise;
  }
  isReady(): boolean {
    return this.ready;
  }
  /** The OS says the app is ready. */
  becomeReady(): void {
    this.ready = true;
    this.emit('ready');
    this.#ready.resolve();
  }
  setAppUserModelId(id: string): void {
    this.userModelId = id;
  }
  setLoginItemSettings(settings: Record<string, unknown>): void {
    this.loginItemCalls.push(settings);
    this.loginItem = { ...this.loginItem, ...settings };
  }
  getLoginItemSettings(): Record<string, unknown> {
    return this.loginItem;
  }
  getPath(name: string): string {
    const path = this.paths[name];
    if (!path) throw new Error(`Failed to get '${name}' path`);
    return path;
  }
  setPath(name: string, path: string): void {
    this.paths[name] = path;
  }
  getAppPath(): string {
    return process.cwd();
  }
  getVersion(): string {
    return '0.1.0';
  }
  getName(): string {
    return this.name;
  }
  /** Like Electron: before-quit, then will-quit (each preventable), then quit. */
  quit(): void {
    this.quitCalls++;
    const before = new FakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    const will = new FakeEvent();
    this.emit('will-quit', will);
    if (will.defaultPrevented) return;
    this.quitted = true;
    this.emit('quit', new FakeEvent(), 0);
  }
  exit(code = 0): void {
    this.exitCode = code;
    this.quitted = true;
  }
  focus(): void {}
  readonly dock = {
    hide: () => {
      this.dockHidden = true;
    },
    show: async () => {
      this.dockHidden = false;
    },
  };
  resetReady(): void {
    this.ready = false;
    this.#ready = deferred();
  }
}

export const app = new FakeApp();

/** Test controls and what was recorded, reset between tests with `fake.reset()`. */
export const fake = {
  app,
  windows: FakeBrowserWindow.all,
  trays: FakeTray.all,
  notifications: FakeNotification.shown,
  ipcMain,
  ipcRenderer,
  contextBridge,
  dialog,
  shell,
  nativeTheme,
  session,
  applicationMenu: null as FakeMenu | null,
  /** The webContents the fake ipcRenderer talks to (the window the preload runs in). */
  get preloadTarget(): FakeWebContents | null {
    return rendererLink.target;
  },
  set preloadTarget(wc: FakeWebContents | null) {
    rendererLink.target = wc;
  },
  reset(): void {
    FakeBrowserWindow.all.length = 0;
    FakeTray.all.length = 0;
    FakeNotification.shown.length = 0;
    FakeNotification.supported = true;
    ipcMain.handlers.clear();
    ipcMain.removeAllListeners();
    ipcRenderer.removeAllListeners();
    ipcRenderer.invoked.length = 0;
    contextBridge.exposed.clear();
    dialog.calls.length = 0;
    dialog.errors.length = 0;
    dialog.nextResult = { canceled: true, filePaths: [] };
    shell.revealed.length = 0;
    shell.opened.length = 0;
    app.removeAllListeners();
    app.userModelId = null;
    app.loginItemCalls = [];
    app.loginItem = { openAtLogin: false };
    app.quitCalls = 0;
    app.exitCode = null;
    app.quitted = false;
    app.lockGranted = true;
    app.lockRequests = 0;
    app.resetReady();
    app.paths = defaultPaths();
    fake.applicationMenu = null;
    fake.preloadTarget = null;
    nativeTheme.themeSource = 'system';
    session.defaultSession.pac = () => 'DIRECT';
    session.defaultSession.resolved.length = 0;
    FakeClientRequest.made.length = 0;
  },
};

const electron = {
  app,
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Menu,
  Notification: FakeNotification,
  nativeImage,
  ipcMain,
  ipcRenderer,
  contextBridge,
  dialog,
  shell,
  nativeTheme,
  session,
  net,
};

/** What `vi.mock('electron')` returns: named exports plus a default (electron-store imports the default). */
export const electronModule = { ...electron, default: electron };
