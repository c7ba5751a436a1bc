import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { Settings } from '../../../main/engine/settings/schema.js';
import type { SettingsView } from './settings-view.js';
import { isLocked, lockedNote } from './locked.js';
import { errorId, fieldError } from './validate.js';

const AFTER_UPLOAD: { value: Settings['afterUpload']; label: string; hint: string }[] = [
  {
    value: 'move',
    label: 'Move it to Uploaded',
    hint: 'into the Uploaded folder inside the watched folder, same subfolders (recommended)',
  },
  { value: 'keep', label: 'Leave it where it is', hint: 'it is not uploaded twice' },
  { value: 'delete', label: 'Delete it', hint: 'Concur keeps the image' },
];

const THEMES: { value: Settings['theme']; label: string }[] = [
  { value: 'system', label: 'Same as the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** Settings › Behaviour: what happens after an upload, converting and shrinking, notifications, login item, concurrency, theme. */
export function behaviourPage(host: SettingsView) {
  const draft = host.draft!;
  const concurrencyError = host.errorFor('concurrency');
  const desktopOnly = host.info?.mode === 'browser';
  return html`
    <section class="settings-page" aria-labelledby="behaviour-title">
      <h2 id="behaviour-title">Behaviour</h2>
      <fieldset class="field">
        <legend>After a scan is uploaded</legend>
        ${AFTER_UPLOAD.map(
          (o) =>
            html`<label class="choice">
              <input
                type="radio"
                name="after-upload"
                ?disabled=${isLocked(host, 'afterUpload')}
                .checked=${live(draft.afterUpload === o.value)}
                @change=${() => host.change((d) => (d.afterUpload = o.value))}
              />
              <span><strong>${o.label}</strong> <span class="muted">— ${o.hint}</span></span>
            </label>`,
        )}
        ${lockedNote(host, 'afterUpload')}
      </fieldset>
      <fieldset class="field">
        <legend>Scans Concur cannot take as they are</legend>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            .checked=${live(draft.convert)}
            @change=${(e: Event) =>
              host.change((d) => (d.convert = (e.target as HTMLInputElement).checked))}
          />
          <span>Convert TIFF, HEIC, WebP, GIF and BMP to PDF, JPEG or PNG</span>
        </label>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            .checked=${live(draft.shrink)}
            @change=${(e: Event) =>
              host.change((d) => (d.shrink = (e.target as HTMLInputElement).checked))}
          />
          <span>Shrink files over 10 MB (never below about 200 dpi)</span>
        </label>
      </fieldset>
      <fieldset class="field">
        <legend>Desktop</legend>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            ?disabled=${isLocked(host, 'notifications')}
            .checked=${live(draft.notifications)}
            @change=${(e: Event) =>
              host.change((d) => (d.notifications = (e.target as HTMLInputElement).checked))}
          />
          <span>Show a notification when uploads finish or fail</span>
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
          <span>Start Concur Drop when I log in</span>
        </label>
        ${lockedNote(host, 'startAtLogin')}
        ${
          desktopOnly
            ? html`<p class="hint">These two apply when the desktop app runs on this computer.</p>`
            : nothing
        }
      </fieldset>
      <fieldset class="field">
        <legend>Appearance</legend>
        ${THEMES.map(
          (o) =>
            html`<label class="choice">
              <input
                type="radio"
                name="theme"
                .checked=${live(draft.theme === o.value)}
                @change=${() => host.change((d) => (d.theme = o.value))}
              />
              <span>${o.label}</span>
            </label>`,
        )}
      </fieldset>
      <div class="field">
        <label for="concurrency">Uploads at the same time</label>
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
        <p class="hint" id="concurrency-hint">1 to 8. Two suits most office connections.</p>
        ${lockedNote(host, 'concurrency')}
        ${fieldError(concurrencyError, 'concurrency', 'Uploads at the same time')}
      </div>
    </section>
  `;
}
