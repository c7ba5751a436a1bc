import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { AccountView, CheckResult } from '../../../preload/contract.js';
import { REGION_PRESETS } from '../../../main/engine/settings/schema.js';
import { t, tr } from '../i18n.js';
import type { SettingsView } from './settings-view.js';
import { isLocked, lockedId, lockedNote } from './locked.js';
import { errorId, fieldError } from './validate.js';

/** Settings › Account: where Concur is, how to authorize, the token (keychain only), a connection check. */
export function accountPage(host: SettingsView) {
  const draft = host.draft!;
  const view = host.view!;
  const preset = REGION_PRESETS.find((p) => p.url === draft.concur.baseUrl);
  const custom = host.customUrl || !preset;
  const urlError = host.errorFor('concur.baseUrl');
  const keychainOk = view.keychain === 'available';
  const savedUrl = view.settings.concur.baseUrl;
  const urlLocked = isLocked(host, 'concur.baseUrl');
  const schemeLocked = isLocked(host, 'concur.authScheme');
  return html`
    <section class="settings-page" aria-labelledby="account-title">
      <h2 id="account-title">${t('settings.page.account')}</h2>
      <div class="field">
        <label for="region">${t('account.region')}</label>
        <select
          id="region"
          ?disabled=${urlLocked}
          aria-describedby=${urlLocked ? lockedId('concur.baseUrl') : nothing}
          @change=${(e: Event) => {
            const value = (e.target as HTMLSelectElement).value;
            host.customUrl = value === 'custom';
            if (value !== 'custom')
              host.change((d) => (d.concur.baseUrl = value), 'concur.baseUrl');
            else host.requestUpdate();
          }}
        >
          ${REGION_PRESETS.map(
            (p) =>
              html`<option value=${p.url} ?selected=${!custom && p.url === draft.concur.baseUrl}>
                ${p.label} — ${new URL(p.url).host}
              </option>`,
          )}
          <option value="custom" ?selected=${custom}>${t('account.custom')}</option>
        </select>
        ${urlLocked ? lockedNote(host, 'concur.baseUrl') : html`<p class="hint">${t('account.regionHint')}</p>`}
      </div>
      ${
        custom
          ? html`<div class="field">
              <label for="base-url">${t('account.baseUrl')}</label>
              <input
                id="base-url"
                type="url"
                spellcheck="false"
                autocomplete="off"
                ?readonly=${urlLocked}
                .value=${live(draft.concur.baseUrl)}
                aria-invalid=${urlError ? 'true' : 'false'}
                aria-describedby=${urlError ? errorId('concur.baseUrl') : nothing}
                @input=${(e: Event) =>
                  host.change(
                    (d) => (d.concur.baseUrl = (e.target as HTMLInputElement).value.trim()),
                    'concur.baseUrl',
                  )}
              />
              ${fieldError(urlError, 'concur.baseUrl')}
            </div>`
          : nothing
      }
      ${
        // OAuth2 sign-in always sends Bearer tokens: the scheme is a pasted token's choice.
        draft.concur.oauth2
          ? nothing
          : html`<fieldset class="field">
              <legend>${t('account.scheme')}</legend>
              ${(
                [
                  ['OAuth', t('account.oauth')],
                  ['Bearer', t('account.bearer')],
                ] as const
              ).map(
                ([value, text]) =>
                  html`<label class="choice">
                    <input
                      type="radio"
                      name="auth-scheme"
                      ?disabled=${schemeLocked}
                      .checked=${live(draft.concur.authScheme === value)}
                      @change=${() => host.change((d) => (d.concur.authScheme = value))}
                    />
                    ${text}
                  </label>`,
              )}
              ${lockedNote(host, 'concur.authScheme')}
            </fieldset>`
      }
      ${signInSection(host)}

      <details class="advanced" ?open=${host.signIn?.mode !== 'oauth2'}>
        <summary>${t('account.advanced')}</summary>
        <h3>${t('account.token')}</h3>
        ${
          keychainOk
            ? nothing
            : html`<div class="banner warn" role="note">
                <span
                  ><strong>${t('account.noKeychainTitle')}</strong> ${t('account.noKeychain')}
                  ${t('account.noKeychainHint')}</span
                >
              </div>`
        }
        <p class="token-status ${view.signedIn ? 'is-ok' : ''}">
          <span aria-hidden="true">${view.signedIn ? '✓' : '○'}</span>
          ${t(view.signedIn ? 'account.tokenSaved' : 'account.noToken', { url: savedUrl })}
        </p>
        <div class="field">
          <label for="token"
            >${view.signedIn ? t('account.replace') : t('account.tokenLabel')}</label
          >
          <div class="inline">
            <input
              id="token"
              type="password"
              autocomplete="off"
              spellcheck="false"
              ?disabled=${!keychainOk}
              aria-describedby="token-hint"
              @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && host.saveToken()}
            />
            <button
              class="secondary"
              ?disabled=${!keychainOk || host.busy}
              @click=${host.saveToken}
            >
              ${t('account.saveToken')}
            </button>
            ${
              view.signedIn
                ? html`<button class="ghost" ?disabled=${host.busy} @click=${host.removeToken}>
                    ${t('account.removeToken')}
                  </button>`
                : nothing
            }
          </div>
          <p class="hint" id="token-hint">
            ${t('account.tokenHint')}
            ${draft.concur.baseUrl !== savedUrl ? t('account.tokenHintUrl') : ''}
          </p>
          ${
            host.tokenResult
              ? html`<p class="result ${resultTone(host.tokenResult)}" role="status">
                  ${tr().words(host.tokenResult.text, host.tokenResult.message)}
                </p>`
              : nothing
          }
        </div>
        <div class="field">
          <div class="inline">
            <button class="secondary" ?disabled=${host.busy} @click=${host.checkConnection}>
              ${t('account.check')}
            </button>
            <span class="result-slot" role="status">
              ${
                host.checkResult
                  ? html`<span class="result ${resultTone(host.checkResult)}"
                      ><span aria-hidden="true">${host.checkResult.ok ? '✓ ' : '✕ '}</span
                      >${tr().words(host.checkResult.text, host.checkResult.message)}</span
                    >`
                  : host.busy
                    ? t('account.checking')
                    : ''
              }
            </span>
          </div>
        </div>
      </details>
    </section>
  `;
}

const when = (ms: number) => tr().dateTime(ms);

/**
 * "Sign in with SAP Concur" for every account: its name and address, who is
 * signed in and since when, or that it needs sign-in, each with its own button.
 */
function signInSection(host: SettingsView) {
  const accounts = host.accounts;
  if (!accounts.some((a) => a.mode === 'oauth2'))
    return html`<h3>${t('account.signIn')}</h3>
      <p class="hint">${t('account.signInNeedsApp')}</p>`;
  // The one `concur` account has no name of its own to show.
  const named = (host.view?.settings.accounts.length ?? 0) > 0;
  return html`<h3>${t('account.signIn')}</h3>
    <ul class="account-list" aria-label=${t('account.accounts')}>
      ${accounts.map((account) => accountItem(host, account, named))}
    </ul>`;
}

function accountItem(host: SettingsView, account: AccountView, named: boolean) {
  const headingId = `account-${account.name.replace(/[^\w-]/g, '_')}`;
  return html`<li class="account" data-account=${account.name} aria-labelledby=${headingId}>
    <p class="account-head" id=${headingId}>
      ${named ? html`<strong>${account.name}</strong> · ` : nothing}<span class="account-url"
        >${new URL(account.baseUrl).host}</span
      >
      ${
        account.signedIn
          ? nothing
          : html`<span class="badge badge-paused" data-testid="sign-in-needed"
              >${t('account.signInNeeded')}</span
            >`
      }
    </p>
    ${account.mode === 'oauth2' ? oauth2Status(host, account) : tokenStatus(account)}
    ${
      account.problem
        ? html`<p class="result is-error" role="status">
            ${tr().words(account.problemText, account.problem)}
          </p>`
        : nothing
    }
  </li>`;
}

function oauth2Status(host: SettingsView, account: AccountView) {
  const who = account.userName ?? account.userId ?? t('account.aUser');
  if (account.signedIn)
    return html`<p class="token-status is-ok" data-testid="signed-in">
        <span aria-hidden="true">✓</span>
        ${
          account.since
            ? t('account.signedInSince', { who, when: when(account.since) })
            : t('account.signedInAs', { who })
        }
      </p>
      <p class="hint">
        ${
          account.until
            ? t('account.renewsUntil', { when: when(account.until) })
            : t('account.renews')
        }
      </p>
      <button class="secondary" ?disabled=${host.busy} @click=${() => host.signOut(account.name)}>
        ${t('account.signOut')}
      </button>`;
  const waiting = host.signingIn === account.name;
  return html`<p class="token-status">
      <span aria-hidden="true">○</span> ${t('account.notSignedIn')}
    </p>
    <button
      class="primary"
      ?disabled=${host.signingIn !== null}
      @click=${() => host.startSignIn(account.name)}
    >
      ${t('account.signInButton')}
    </button>
    ${
      waiting
        ? html`<p class="hint" role="status">
            ${t(host.info?.mode === 'browser' ? 'account.finishInTab' : 'account.finishInBrowser')}
          </p>`
        : nothing
    }`;
}

/** A pasted-token account: only whether a token is there (Advanced sets the first one's). */
function tokenStatus(account: AccountView) {
  return html`<p class="token-status ${account.signedIn ? 'is-ok' : ''}">
    <span aria-hidden="true">${account.signedIn ? '✓' : '○'}</span>
    ${t(account.signedIn ? 'account.usesToken' : 'account.needsToken')}
  </p>`;
}

/** Colour by meaning: green only for a plain success, amber for one with a caveat. */
function resultTone(result: CheckResult): string {
  if (!result.ok) return 'is-error';
  return result.warning ? 'is-warn' : 'is-ok';
}
