import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type {
  AccountView,
  AppInfo,
  CheckResult,
  SettingsView as SettingsSnapshot,
  SignInView,
} from '../../../preload/contract.js';
import type { Settings } from '../../../main/engine/settings/schema.js';
import { api } from '../api.js';
import { applyTheme } from '../theme.js';
import { t, tr, useLanguage } from '../i18n.js';
import { tablistKeydown } from '../tabs.js';
import { accountPage } from './account-page.js';
import { behaviourPage } from './behaviour-page.js';
import { foldersPage, newFolder } from './folders-page.js';
import { draftErrors } from './validate.js';

export const SETTINGS_PAGES = ['account', 'folders', 'behaviour'] as const;
export type SettingsPage = (typeof SETTINGS_PAGES)[number];

/**
 * Settings: a draft of the stored settings, validated as it is edited with the
 * engine's schema; Save sends it to main, which validates again and answers
 * with key-named issues when it refuses.
 */
export class SettingsView extends LitElement {
  static override properties = {
    page: { type: String },
    active: { type: Boolean },
    view: { state: true },
    draft: { state: true },
    info: { state: true },
    issues: { state: true },
    savedNote: { state: true },
    busy: { state: true },
    tokenResult: { state: true },
    checkResult: { state: true },
    signIn: { state: true },
    accounts: { state: true },
    signingIn: { state: true },
    customUrl: { state: true },
    loadError: { state: true },
  };

  declare page: SettingsPage;
  declare active: boolean;
  declare view: SettingsSnapshot | null;
  declare draft: Settings | null;
  declare info: AppInfo | null;
  /** Issues from the last refused save, key-named by main. */
  declare issues: string[];
  declare savedNote: string;
  declare busy: boolean;
  declare tokenResult: CheckResult | null;
  declare checkResult: CheckResult | null;
  /** Who is signed in to Concur (OAuth2), or that the account uses a pasted token. */
  declare signIn: SignInView | null;
  /** Every account of the settings with its sign-in, in the settings' order. */
  declare accounts: AccountView[];
  /** The account whose sign-in page is open in the browser; its answer is awaited. */
  declare signingIn: string | null;
  declare customUrl: boolean;
  declare loadError: string | null;

  private errors = new Map<string, string>();
  private readonly touched = new Set<string>();
  private submitted = false;

  constructor() {
    super();
    this.page = 'account';
    this.active = false;
    this.view = null;
    this.draft = null;
    this.info = null;
    this.issues = [];
    this.savedNote = '';
    this.busy = false;
    this.tokenResult = null;
    this.checkResult = null;
    this.signIn = null;
    this.accounts = [];
    this.signingIn = null;
    this.customUrl = false;
    this.loadError = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('cd-language', this.relabel);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('cd-language', this.relabel);
  }

  private readonly relabel = (): void => {
    if (this.draft) this.errors = draftErrors(this.draft);
    this.requestUpdate();
  };

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Coming back to Settings shows the stored state again, unless edits are pending.
    if (changed.has('active') && this.active && !this.dirty) void this.load();
  }

  /** Loads the stored settings into a fresh draft. */
  async load(): Promise<void> {
    try {
      const [view, info, signIn, accounts] = await Promise.all([
        api().getSettings(),
        api().getAppInfo(),
        api().getSignIn(),
        api().getAccounts(),
      ]);
      this.view = view;
      this.info = info;
      this.signIn = signIn;
      this.accounts = accounts;
      this.draft = structuredClone(view.settings);
      this.touched.clear();
      this.submitted = false;
      this.errors = draftErrors(this.draft);
      this.loadError = null;
    } catch (error) {
      this.loadError = t('settings.loadError', { error: (error as Error).message });
    }
  }

  get dirty(): boolean {
    return !!this.draft && JSON.stringify(this.draft) !== JSON.stringify(this.view?.settings);
  }

  /** An error for a key, once the user has touched that field or tried to save. */
  errorFor(key: string): string | undefined {
    return this.submitted || this.touched.has(key) ? this.errors.get(key) : undefined;
  }

  /** Applies an edit to the draft and validates it again. */
  change(mutate: (draft: Settings) => void, touchedKey?: string): void {
    if (!this.draft) return;
    mutate(this.draft);
    if (touchedKey) this.touched.add(touchedKey);
    this.errors = draftErrors(this.draft);
    this.savedNote = '';
    this.requestUpdate();
  }

  readonly save = async (): Promise<void> => {
    if (!this.draft) return;
    this.submitted = true;
    this.busy = true;
    try {
      const result = await api().saveSettings(this.draft);
      if (result.ok) {
        this.issues = [];
        useLanguage(this.draft.language);
        await this.load();
        if (this.view) applyTheme(this.view.settings.theme);
        this.savedNote = t('settings.saved');
      } else {
        // Sentences that name the fields as shown here; main's key-named issues when only it saw
        // the problem (folders that nest once resolved).
        const plain = [...draftErrors(this.draft).values()];
        const words = result.issueTexts?.map((text) => tr().say(text));
        this.issues = plain.length ? plain : (words ?? result.issues);
        this.requestUpdate();
      }
    } catch (error) {
      this.issues = [(error as Error).message];
    } finally {
      this.busy = false;
    }
  };

  readonly revert = (): void => {
    if (!this.view) return;
    this.draft = structuredClone(this.view.settings);
    this.issues = [];
    this.touched.clear();
    this.submitted = false;
    this.errors = draftErrors(this.draft);
    this.customUrl = false;
  };

  readonly saveToken = async (): Promise<void> => {
    const input = this.querySelector<HTMLInputElement>('#token');
    const token = input?.value.trim() ?? '';
    if (!token) {
      this.tokenResult = { ok: false, message: t('settings.pasteFirst') };
      return;
    }
    this.busy = true;
    try {
      this.tokenResult = await api().setToken(token);
      if (this.tokenResult.ok) this.view = await api().getSettings();
    } catch (error) {
      this.tokenResult = { ok: false, message: (error as Error).message };
    } finally {
      // Never keep it on screen, also when the call failed (it used to stay in the field then).
      if (input) input.value = '';
      this.busy = false;
    }
  };

  readonly removeToken = async (): Promise<void> => {
    this.busy = true;
    try {
      await api().clearToken();
      this.tokenResult = { ok: true, message: t('settings.tokenRemoved') };
      this.view = await api().getSettings();
    } catch (error) {
      // Said, not swallowed: the click otherwise did nothing visible and the token stayed.
      this.tokenResult = {
        ok: false,
        message: t('settings.tokenNotRemoved', { error: (error as Error).message }),
      };
    } finally {
      this.busy = false;
    }
  };

  /**
   * Signs the account in. The desktop opens the system browser from main; the
   * browser view opens Concur's page in a new tab, made in the click itself
   * (a tab opened after an await is blocked as a pop-up) and cut off from this
   * page (no `opener`), while the watching process listens for the answer.
   */
  readonly startSignIn = async (name: string): Promise<void> => {
    this.signingIn = name;
    const tab = this.info?.mode === 'browser' ? window.open('about:blank', '_blank') : null;
    if (tab) tab.opener = null;
    try {
      if (this.info?.mode === 'browser') {
        const start = await api().beginSignIn(name);
        if ('problem' in start) {
          // It ended before it began (no client secret, the port taken): nothing to wait for.
          tab?.close();
          const before = this.accounts.find((a) => a.name === name);
          this.showSignIn(name, { mode: 'oauth2', signedIn: false, ...before, ...start });
          return;
        }
        if (tab) tab.location.href = start.url;
        else window.open(start.url, '_blank', 'noopener');
      }
      this.showSignIn(name, await api().signIn(name));
    } catch (error) {
      tab?.close();
      this.showSignIn(name, { mode: 'oauth2', signedIn: false, problem: (error as Error).message });
    } finally {
      this.signingIn = null;
    }
  };

  readonly signOut = async (name: string): Promise<void> => {
    this.busy = true;
    try {
      this.showSignIn(name, await api().signOut(name));
    } catch (error) {
      const before = this.accounts.find((a) => a.name === name);
      this.showSignIn(name, {
        mode: 'oauth2',
        signedIn: before?.signedIn ?? false,
        ...before,
        problem: t('account.notSignedOut', { message: (error as Error).message }),
      });
    } finally {
      this.busy = false;
    }
  };

  /** One account's new sign-in state; the first account's is also the page's `signIn`. */
  private showSignIn(name: string, view: SignInView): void {
    this.accounts = this.accounts.map((a) =>
      a.name === name ? { name: a.name, baseUrl: a.baseUrl, ...view } : a,
    );
    if (this.accounts[0]?.name === name) this.signIn = view;
  }

  readonly checkConnection = async (): Promise<void> => {
    this.busy = true;
    this.checkResult = null;
    try {
      this.checkResult = await api().checkConnection();
    } catch (error) {
      this.checkResult = { ok: false, message: (error as Error).message };
    } finally {
      this.busy = false;
    }
  };

  readonly pickFolder = async (): Promise<void> => {
    const path = await api().pickFolder();
    if (path) this.change((d) => d.folders.push(newFolder(path)));
  };

  readonly addTypedFolder = (): void => {
    const input = this.querySelector<HTMLInputElement>('#new-folder');
    const path = input?.value.trim();
    if (!input || !path) return;
    this.change((d) => d.folders.push(newFolder(path)));
    input.value = '';
  };

  private selectPage(page: SettingsPage): void {
    this.dispatchEvent(
      new CustomEvent('cd-navigate', { detail: `settings/${page}`, bubbles: true }),
    );
  }

  override render() {
    if (this.loadError) return html`<div class="banner error">${this.loadError}</div>`;
    if (!this.draft || !this.view)
      return html`<p class="loading" role="status">${t('settings.loading')}</p>`;
    const page = { account: accountPage, folders: foldersPage, behaviour: behaviourPage }[
      this.page
    ];
    return html`
      <div class="settings">
        <div
          class="subnav"
          role="tablist"
          aria-label=${t('settings.pages')}
          aria-orientation="vertical"
          @keydown=${(e: KeyboardEvent) =>
            tablistKeydown(e, SETTINGS_PAGES, this.page, (p) => this.selectPage(p))}
        >
          ${SETTINGS_PAGES.map(
            (p) =>
              html`<button
                role="tab"
                id="settings-tab-${p}"
                aria-selected=${p === this.page ? 'true' : 'false'}
                aria-controls="settings-panel"
                tabindex=${p === this.page ? 0 : -1}
                @click=${() => this.selectPage(p)}
              >
                ${t(`settings.page.${p}`)}
              </button>`,
          )}
        </div>
        <div
          class="settings-body"
          id="settings-panel"
          role="tabpanel"
          aria-labelledby="settings-tab-${this.page}"
        >
          ${
            this.view.settingsWarning
              ? html`<div class="banner warn">
                  <strong>${t('status.settingsLabel')}</strong>
                  ${
                    this.view.settingsWarningText?.map((text) => tr().say(text)).join(' ') ??
                    this.view.settingsWarning
                  }
                </div>`
              : nothing
          }
          ${page(this)}
          <div class="save-bar">
            <div class="save-state" role="status">
              ${
                this.issues.length
                  ? nothing
                  : this.savedNote || (this.dirty ? t('settings.unsaved') : '')
              }
            </div>
            <button class="ghost" ?disabled=${!this.dirty || this.busy} @click=${this.revert}>
              ${t('settings.revert')}
            </button>
            <button class="primary" ?disabled=${!this.dirty || this.busy} @click=${this.save}>
              ${t('settings.save')}
            </button>
          </div>
          ${
            this.issues.length
              ? html`<div class="banner error save-issues" role="alert">
                  <div>
                    <strong>${t('settings.notSaved')}</strong> ${t('settings.correct')}
                    <ul>
                      ${this.issues.map((issue) => html`<li>${issue}</li>`)}
                    </ul>
                  </div>
                </div>`
              : nothing
          }
        </div>
      </div>
    `;
  }
}

customElements.define('cd-settings', SettingsView);
