import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { LANGUAGES } from '../../../main/engine/i18n/translate.js';
import type { Settings } from '../../../main/engine/settings/schema.js';
import { t } from '../i18n.js';
import type { SettingsView } from './settings-view.js';
import { errorId, fieldError } from './validate.js';

const AFTER_UPLOAD: readonly Settings['afterUpload'][] = ['move', 'keep', 'delete'];

/** Settings › Behaviour: what happens after an upload, notifications, login item, concurrency. */
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
                .checked=${live(draft.afterUpload === o)}
                @change=${() => host.change((d) => (d.afterUpload = o))}
              />
              <span
                ><strong>${t(`behaviour.${o}`)}</strong>
                <span class="muted">— ${t(`behaviour.${o}Hint`)}</span></span
              >
            </label>`,
        )}
      </fieldset>
      <fieldset class="field">
        <legend>${t('behaviour.desktop')}</legend>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            .checked=${live(draft.notifications)}
            @change=${(e: Event) =>
              host.change((d) => (d.notifications = (e.target as HTMLInputElement).checked))}
          />
          <span>${t('behaviour.notifications')}</span>
        </label>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            .checked=${live(draft.startAtLogin)}
            @change=${(e: Event) =>
              host.change((d) => (d.startAtLogin = (e.target as HTMLInputElement).checked))}
          />
          <span>${t('behaviour.login')}</span>
        </label>
        ${desktopOnly ? html`<p class="hint">${t('behaviour.desktopOnly')}</p>` : nothing}
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
        ${fieldError(concurrencyError, 'concurrency')}
      </div>
      <div class="field">
        <label for="language">${t('behaviour.language')}</label>
        <select
          id="language"
          aria-describedby="language-hint"
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
      </div>
    </section>
  `;
}
