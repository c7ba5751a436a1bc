import { LitElement, html, nothing } from 'lit';
import { api } from './api.js';
import { t, tr } from './i18n.js';
import { SETTINGS_PAGES, type SettingsPage } from './settings/settings-view.js';
import type { StatusView } from './status/status-view.js';
import { tablistKeydown } from './tabs.js';
import { applyTheme } from './theme.js';
import './settings/settings-view.js';
import './status/status-view.js';

type View = 'status' | 'settings';
const VIEWS: readonly View[] = ['status', 'settings'];

interface Notice {
  id: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/**
 * The window: a header with the two views (Status, Settings) and a place for
 * short notices. The location hash names the view ("#settings/folders"), so
 * the tray's "Settings…" and a reload land on the same page.
 */
export class AppShell extends LitElement {
  static override properties = {
    view: { state: true },
    settingsPage: { state: true },
    notices: { state: true },
    mode: { state: true },
    settingsWarning: { state: true },
  };

  declare view: View;
  declare settingsPage: SettingsPage;
  declare notices: Notice[];
  declare mode: 'desktop' | 'browser' | null;
  declare settingsWarning: string | undefined;

  private nextNotice = 1;
  private readonly unsubscribe: (() => void)[] = [];

  constructor() {
    super();
    this.view = 'status';
    this.settingsPage = 'account';
    this.notices = [];
    this.mode = null;
    this.settingsWarning = undefined;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.fromHash();
    window.addEventListener('hashchange', this.fromHash);
    this.addEventListener('cd-navigate', (e) => this.navigate((e as CustomEvent<string>).detail));
    this.addEventListener('cd-notice', (e) => this.notice((e as CustomEvent<Notice>).detail));
    window.addEventListener('cd-language', this.relabel);
    const bridge = api();
    this.unsubscribe.push(
      bridge.onNotice((n) =>
        this.notice({ level: n.level, message: tr().words(n.text, n.message) }),
      ),
      bridge.onFocusJob((id) => {
        this.navigate('status');
        void this.updateComplete.then(() =>
          this.querySelector<StatusView>('cd-status')?.focusJob(id),
        );
      }),
    );
    void bridge.getAppInfo().then((info) => (this.mode = info.mode));
    void bridge.getSettings().then((s) => {
      this.settingsWarning = s.settingsWarning;
      applyTheme(s.settings.theme);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.fromHash);
    window.removeEventListener('cd-language', this.relabel);
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private readonly relabel = (): void => this.requestUpdate();

  private readonly fromHash = (): void => {
    const [view, page] = location.hash.replace(/^#/, '').split('/');
    this.view = view === 'settings' ? 'settings' : 'status';
    if (SETTINGS_PAGES.includes(page as SettingsPage)) this.settingsPage = page as SettingsPage;
  };

  /** "status", "settings" or "settings/<page>". */
  navigate(where: string): void {
    const hash = `#${where}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    this.fromHash();
  }

  private notice(n: { level: Notice['level']; message: string }): void {
    const notice = { ...n, id: this.nextNotice++ };
    this.notices = [...this.notices.slice(-3), notice];
    setTimeout(() => this.dismiss(notice.id), n.level === 'error' ? 15_000 : 6_000);
  }

  private dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  override render() {
    const label = { status: t('app.status'), settings: t('app.settings') };
    return html`
      <a
        class="skip-link"
        href="#main"
        @click=${(e: Event) => {
          e.preventDefault();
          this.querySelector<HTMLElement>('#main')?.focus();
        }}
        >${t('app.skip')}</a
      >
      <header class="app-header">
        <div class="brand"><span class="logo" aria-hidden="true"></span>Concur Drop</div>
        <nav aria-label=${t('app.views')}>
          <div
            class="tabs"
            role="tablist"
            aria-label=${t('app.views')}
            @keydown=${(e: KeyboardEvent) =>
              tablistKeydown(e, VIEWS, this.view, (v) =>
                this.navigate(v === 'settings' ? `settings/${this.settingsPage}` : v),
              )}
          >
            ${VIEWS.map(
              (v) =>
                html`<button
                  role="tab"
                  id="tab-${v}"
                  aria-selected=${this.view === v ? 'true' : 'false'}
                  aria-controls="panel-${v}"
                  tabindex=${this.view === v ? 0 : -1}
                  @click=${() =>
                    this.navigate(v === 'settings' ? `settings/${this.settingsPage}` : v)}
                >
                  ${label[v]}
                </button>`,
            )}
          </div>
        </nav>
        ${
          this.mode === 'browser'
            ? html`<span class="mode-tag" title=${t('app.browserViewTitle')}
                >${t('app.browserView')}</span
              >`
            : nothing
        }
      </header>
      <main id="main" tabindex="-1">
        <cd-status
          id="panel-status"
          role="tabpanel"
          aria-labelledby="tab-status"
          .settingsWarning=${this.settingsWarning}
          .mode=${this.mode}
          ?hidden=${this.view !== 'status'}
        ></cd-status>
        <cd-settings
          id="panel-settings"
          role="tabpanel"
          aria-labelledby="tab-settings"
          .page=${this.settingsPage}
          .active=${this.view === 'settings'}
          ?hidden=${this.view !== 'settings'}
        ></cd-settings>
      </main>
      <div class="notices" role="status" aria-live="polite">
        ${this.notices.map(
          (n) =>
            html`<div class="notice notice-${n.level}">
              <span>${n.message}</span>
              <button
                class="ghost small"
                aria-label=${t('app.dismiss')}
                @click=${() => this.dismiss(n.id)}
              >
                ✕
              </button>
            </div>`,
        )}
      </div>
    `;
  }
}

customElements.define('cd-app', AppShell);
