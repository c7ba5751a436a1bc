import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

/**
 * The window half of the electron stand-in (test/app/fake-electron.ts):
 * BrowserWindow, its webContents, frames and session, recording what the
 * shell sets and letting tests act as the page would (navigate, window.open,
 * ask for a permission, receive headers).
 */

/** Which webContents the preload's ipcRenderer lives in, and how main's `send` reaches it. */
export const rendererLink = {
  target: null as FakeWebContents | null,
  deliver: (_channel: string, _args: unknown[]): void => {},
};

/** An Electron-style event whose default can be prevented. */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** A frame (WebFrameMain): the main frame of a window or a subframe inside it. */
export class FakeFrame {
  constructor(
    public url: string,
    public parent: FakeFrame | null = null,
  ) {}
  get top(): FakeFrame {
    return this.parent ? this.parent.top : this;
  }
}

type PermissionHandler = (
  wc: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: unknown,
) => void;
type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]>; cancel?: boolean }) => void,
) => void;

export class FakeSession {
  permissionRequestHandler: PermissionHandler | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  headersListener: HeadersListener | null = null;
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener | null) => {
      this.headersListener = listener;
    },
  };
  setPermissionRequestHandler(handler: PermissionHandler | null): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: ((...args: unknown[]) => boolean) | null): void {
    this.permissionCheckHandler = handler;
  }
  /** Asks as a page would; resolves with what the shell's handler granted (Electron grants when none is set). */
  requestPermission(wc: unknown, permission: string): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.permissionRequestHandler) return resolve(true);
      this.permissionRequestHandler(wc, permission, resolve, { requestingUrl: 'file:///' });
    });
  }
  /** Runs the headers listener on a response; returns the headers the page would get. */
  receiveHeaders(url: string, headers: Record<string, string[]> = {}): Record<string, string[]> {
    if (!this.headersListener) return headers;
    let out: Record<string, string[]> = headers;
    this.headersListener({ url, responseHeaders: headers }, (r) => {
      out = r.responseHeaders ?? headers;
    });
    return out;
  }
}

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly session = new FakeSession();
  mainFrame = new FakeFrame('about:blank');
  /** Every `send(channel, ...args)` main made to this renderer. */
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  destroyed = false;
  devToolsOpened = false;

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }
  /** What happens when the page calls window.open(url): Electron allows it when no handler is set. */
  tryOpenWindow(url: string): 'allow' | 'deny' {
    return this.windowOpenHandler ? this.windowOpenHandler({ url }).action : 'allow';
  }
  /** The page tries to navigate; true when the navigation would go ahead. */
  tryNavigate(url: string): boolean {
    const event = new FakeEvent();
    this.emit('will-navigate', event, url);
    this.emit('will-frame-navigate', Object.assign(event, { url, isMainFrame: true }));
    return !event.defaultPrevented;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  async loadURL(url: string): Promise<void> {
    this.mainFrame = new FakeFrame(url);
    this.emit('did-finish-load');
  }
  /** Scripts main ran in the page (e.g. switching the view by hash). */
  readonly executed: string[] = [];
  async executeJavaScript(code: string): Promise<unknown> {
    this.executed.push(code);
    const hash = /^location\.hash = "(.*)"$/.exec(code);
    if (hash) {
      const url = new URL(this.mainFrame.url);
      url.hash = hash[1];
      this.mainFrame.url = url.href;
    }
    return undefined;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args: structuredClone(args) });
    if (rendererLink.target === this) rendererLink.deliver(channel, args);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  focus(): void {}
  openDevTools(): void {
    this.devToolsOpened = true;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly all: FakeBrowserWindow[] = [];
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all.filter((w) => !w.destroyed);
  }
  readonly id = nextId++;
  readonly webContents = new FakeWebContents();
  visible: boolean;
  focused = false;
  minimized = false;
  destroyed = false;
  loadedFile: string | null = null;

  constructor(
    readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> } = {},
  ) {
    super();
    this.visible = options.show !== false;
    FakeBrowserWindow.all.push(this);
  }
  async loadFile(
    path: string,
    options?: { hash?: string; query?: Record<string, string> },
  ): Promise<void> {
    this.loadedFile = path;
    const url = pathToFileURL(path);
    if (options?.hash) url.hash = options.hash;
    await this.webContents.loadURL(url.href);
    this.emit('ready-to-show');
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  show(): void {
    this.visible = true;
    this.focused = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
    this.emit('hide');
  }
  focus(): void {
    this.focused = true;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  minimize(): void {
    this.minimized = true;
  }
  restore(): void {
    this.minimized = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The user (or the OS) closes the window; the shell may prevent it. */
  close(): void {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
  setMenuBarVisibility(): void {}
  removeMenu(): void {}
}
