import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { LANGUAGES } from '../../../main/engine/i18n/translate.js';
import type { Settings } from '../../../main/engine/settings/schema.js';
import { t } from '../i18n.js';
import type { SettingsView } from './settings-view.js';
import { isLocked, lockedNote } from './locked.js';
import { errorId, fieldError } from './validate.js';

const AFTER_UPLOAD: readonly Settings['afterUpload'][] = ['move', 'keep', 'delete'];

const THEMES: readonly Settings['theme'][] = ['system', 'light', 'dark'];

/** Settings › Behaviour: what happens after an upload, converting and shrinking, notifications, login item, concurrency, theme. */
export function behaviourPage(host: SettingsView) {
  const draft = host.draft!;
  const concurrencyError = host.errorFor('concurrency');
  const desktopOnly = host.info?.mode === 'browser';
  return html`
    <section class="settings-page" aria-labelledby="behaviour-title">
      <h2 id="behaviour-title">${t('behaviour.title')}</h2>
      <fieldset class="field">
        <legend>${t('behaviour.after')}</legend>
        ${AFTER_UPLOAD.map(
          (o) =>
            html`<label class="choice">
              <input
                type="radio"
                name="after-upload"
                ?disabled=${isLocked(host, 'afterUpload')}
                .checked=${live(draft.afterUpload === o)}
                @change=${() => host.change((d) => (d.afterUpload = o))}
              />
              <span
                ><strong>${t(`behaviour.${o}`)}</strong>
                <span class="muted">— ${t(`behaviour.${o}Hint`)}</span></span
              >
            </label>`,
        )}
        ${lockedNote(host, 'afterUpload')}
      </fieldset>
      <fieldset class="field">
        <legend>${t('behaviour.prepare')}</legend>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            .checked=${live(draft.convert)}
            @change=${(e: Event) =>
              host.change((d) => (d.convert = (e.target as HTMLInputElement).checked))}
          />
          <span>${t('behaviour.convert')}</span>
        </label>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            .checked=${live(draft.shrink)}
            @change=${(e: Event) =>
              host.change((d) => (d.shrink = (e.target as HTMLInputElement).checked))}
          />
          <span>${t('behaviour.shrink')}</span>
        </label>
      </fieldset>
      <fieldset class="field">
        <legend>${t('behaviour.desktop')}</legend>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            ?disabled=${isLocked(host, 'notifications')}
            .checked=${live(draft.notifications)}
            @change=${(e: Event) =>
              host.change((d) => (d.notifications = (e.target as HTMLInputElement).checked))}
          />
          <span>${t('behaviour.notifications')}</span>
        </label>
        ${lockedNote(host, 'notifications')}
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            ?disabled=${isLocked(host, 'startAtLogin')}
            .checked=${live(draft.startAtLogin)}
            @change=${(e: Event) =>
              host.change((d) => (d.startAtLogin = (e.target as HTMLInputElement).checked))}
          />
          <span>${t('behaviour.login')}</span>
        </label>
        ${lockedNote(host, 'startAtLogin')}
        ${desktopOnly ? html`<p class="hint">${t('behaviour.desktopOnly')}</p>` : nothing}
      </fieldset>
      <fieldset class="field">
        <legend>${t('behaviour.appearance')}</legend>
        ${THEMES.map(
          (o) =>
            html`<label class="choice">
              <input
                type="radio"
                name="theme"
                .checked=${live(draft.theme === o)}
                @change=${() => host.change((d) => (d.theme = o))}
              />
              <span>${t(`behaviour.theme.${o}`)}</span>
            </label>`,
        )}
      </fieldset>
      <div class="field">
        <label for="concurrency">${t('behaviour.concurrency')}</label>
        <input
          id="concurrency"
          type="number"
          min="1"
          max="8"
          step="1"
          class="narrow"
          ?disabled=${isLocked(host, 'concurrency')}
          .value=${live(String(draft.concurrency))}
          aria-invalid=${concurrencyError ? 'true' : 'false'}
          aria-describedby=${concurrencyError ? errorId('concurrency') : 'concurrency-hint'}
          @input=${(e: Event) => {
            const raw = (e.target as HTMLInputElement).value;
            // Kept as typed when not a number, so the schema names the problem.
            host.change(
              (d) => (d.concurrency = (raw === '' ? raw : Number(raw)) as number),
              'concurrency',
            );
          }}
        />
        <p class="hint" id="concurrency-hint">${t('behaviour.concurrencyHint')}</p>
        ${lockedNote(host, 'concurrency')} ${fieldError(concurrencyError, 'concurrency')}
      </div>
      <div class="field">
        <label for="language">${t('behaviour.language')}</label>
        <select
          id="language"
          aria-describedby="language-hint"
          ?disabled=${isLocked(host, 'language')}
          @change=${(e: Event) =>
            host.change(
              (d) => (d.language = (e.target as HTMLSelectElement).value as Settings['language']),
            )}
        >
          <option value="system" ?selected=${draft.language === 'system'}>
            ${t('behaviour.languageSystem')}
          </option>
          ${LANGUAGES.map(
            (l) =>
              html`<option value=${l} lang=${l} ?selected=${draft.language === l}>
                ${t(`behaviour.languageName.${l}`)}
              </option>`,
          )}
        </select>
        <p class="hint" id="language-hint">${t('behaviour.languageHint')}</p>
        ${lockedNote(host, 'language')}
      </div>
    </section>
  `;
}
