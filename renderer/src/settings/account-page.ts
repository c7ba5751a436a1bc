import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { CheckResult } from '../../../preload/contract.js';
import { REGION_PRESETS } from '../../../main/engine/settings/schema.js';
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
      <h2 id="account-title">Account</h2>
      <div class="field">
        <label for="region">Concur data center</label>
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
          <option value="custom" ?selected=${custom}>Custom address…</option>
        </select>
        ${
          urlLocked
            ? lockedNote(host, 'concur.baseUrl')
            : html`<p class="hint">
                The address your company's Concur runs on; your Concur administrator knows it.
              </p>`
        }
      </div>
      ${
        custom
          ? html`<div class="field">
              <label for="base-url">Concur address (base URL)</label>
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
              ${fieldError(urlError, 'concur.baseUrl', 'Concur address')}
            </div>`
          : nothing
      }
      ${
        // OAuth2 sign-in always sends Bearer tokens: the scheme is a pasted token's choice.
        draft.concur.oauth2
          ? nothing
          : html`<fieldset class="field">
              <legend>Authorization scheme</legend>
              ${(
                [
                  ['OAuth', 'OAuth — the scheme Concur documents for the Image service'],
                  ['Bearer', 'Bearer — for OAuth 2.0 access tokens'],
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
        <summary>Advanced: a pasted access token</summary>
        <h3>Access token</h3>
        ${
          keychainOk
            ? nothing
            : html`<div class="banner warn" role="note">
                <span
                  ><strong>No keychain on this computer.</strong> ${
                    view.keychainMessage ?? 'The OS keychain cannot be used here.'
                  }
                  The token cannot be saved from here; on a machine without a keychain, give it to
                  the command line in the <code>CONCUR_DROP_TOKEN</code> variable.</span
                >
              </div>`
        }
        <p class="token-status ${view.signedIn ? 'is-ok' : ''}">
          <span aria-hidden="true">${view.signedIn ? '✓' : '○'}</span>
          ${view.signedIn ? 'A token is saved' : 'No token saved yet'} for <code>${savedUrl}</code>.
        </p>
        <div class="field">
          <label for="token">${view.signedIn ? 'Replace the token' : 'Token'}</label>
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
              Save token
            </button>
            ${
              view.signedIn
                ? html`<button class="ghost" ?disabled=${host.busy} @click=${host.removeToken}>
                    Remove token
                  </button>`
                : nothing
            }
          </div>
          <p class="hint" id="token-hint">
            Kept in the OS keychain, never in the settings file, and never shown again.
            ${
              draft.concur.baseUrl !== savedUrl
                ? 'It belongs to the saved address: save the settings first if you changed it.'
                : ''
            }
          </p>
          ${
            host.tokenResult
              ? html`<p class="result ${resultTone(host.tokenResult)}" role="status">
                  ${host.tokenResult.message}
                </p>`
              : nothing
          }
        </div>
        <div class="field">
          <div class="inline">
            <button class="secondary" ?disabled=${host.busy} @click=${host.checkConnection}>
              Check connection
            </button>
            <span class="result-slot" role="status">
              ${
                host.checkResult
                  ? html`<span class="result ${resultTone(host.checkResult)}"
                      ><span aria-hidden="true">${host.checkResult.ok ? '✓ ' : '✕ '}</span
                      >${host.checkResult.message}</span
                    >`
                  : host.busy
                    ? 'Checking…'
                    : ''
              }
            </span>
          </div>
        </div>
      </details>
    </section>
  `;
}

const when = (ms: number) => new Date(ms).toLocaleString();

/** "Sign in with SAP Concur": who is signed in and since when, or the button. */
function signInSection(host: SettingsView) {
  const signIn = host.signIn;
  if (signIn?.mode !== 'oauth2')
    return html`<h3>Sign in</h3>
      <p class="hint">
        Signing in with SAP Concur needs your company's app registration (a client id in the
        settings, set up by IT). Until then, use an access token below.
      </p>`;
  const who = signIn.userName ?? signIn.userId ?? 'a Concur user';
  return html`<h3>Sign in</h3>
    ${
      signIn.signedIn
        ? html`<p class="token-status is-ok" data-testid="signed-in">
              <span aria-hidden="true">✓</span> Signed in as <strong>${who}</strong>${
                signIn.since ? html` since ${when(signIn.since)}` : nothing
              }.
            </p>
            <p class="hint">
              Concur Drop renews the access by
              itself${
                signIn.until
                  ? html`; the sign-in lasts until ${when(signIn.until)} and each renewal extends it`
                  : ''
              }.
            </p>
            <button class="secondary" ?disabled=${host.busy} @click=${host.signOut}>
              Sign out
            </button>`
        : html`<p class="token-status">
              <span aria-hidden="true">○</span> Not signed in to SAP Concur.
            </p>
            <button class="primary" ?disabled=${host.signingIn} @click=${host.startSignIn}>
              Sign in with SAP Concur
            </button>
            ${
              host.signingIn
                ? html`<p class="hint" role="status">
                    Finish signing in in your browser; this page updates by itself.
                  </p>`
                : nothing
            }`
    }
    ${
      signIn.problem
        ? html`<p class="result is-error" role="status">${signIn.problem}</p>`
        : nothing
    }`;
}

/** Colour by meaning: green only for a plain success, amber for one with a caveat. */
function resultTone(result: CheckResult): string {
  if (!result.ok) return 'is-error';
  return result.warning ? 'is-warn' : 'is-ok';
}
