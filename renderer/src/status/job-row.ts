import { html, nothing } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { Job } from '../../../main/engine/types.js';
import { t, targetText } from '../i18n.js';
import {
  STATE_GLYPH,
  describeFolder,
  describeState,
  folderPath,
  formatTime,
  percent,
  stateLabel,
} from './job-format.js';

/** What a row needs besides its job. */
export interface JobRowOptions {
  now: number;
  highlighted: boolean;
  /** The browser view: Show in folder opens the file's path in the row instead of a file manager. */
  pathInRow?: boolean;
  /** Where the file is, shown in the row with a Copy button (the browser view's Show in folder). */
  location?: string;
  onRetry(job: Job): void;
  /** "Upload without it", for a failed file its entry's or invoice's other files wait for. */
  onSendWithout(job: Job): void;
  onShowInFolder(job: Job): void;
}

/** What the user can do about a failure that another try would not mend. */
function failureHint(job: Job): string | undefined {
  if (job.state !== 'failed' || job.error?.retryable) return undefined;
  if (job.holdsBatch) return t('row.hintBatch');
  return t('row.hintFix');
}

/**
 * One job in the status list: state (label and glyph, never colour alone),
 * file, destination and folder, the reason or progress, image id, time, actions.
 */
export function jobRow(job: Job, options: JobRowOptions) {
  const now = options.now;
  const hint = failureHint(job);
  const label = stateLabel(job.state);
  const time = job.finishedAt ?? job.updatedAt;
  const pct = job.progress != null ? percent(job.progress) : null;
  const target = targetText(job.target);
  return html`<li
    class="job is-${job.state} ${options.highlighted ? 'is-highlighted' : ''}"
    data-job-id=${job.id}
    tabindex="-1"
    aria-label="${job.name}: ${label}"
  >
    <span class="badge badge-${job.state}"
      ><span class="glyph" aria-hidden="true">${STATE_GLYPH[job.state]}</span>${label}</span
    >
    <div class="job-main">
      <div class="job-name" title=${job.relPath}>${job.name}</div>
      <div class="job-meta">
        <span class="job-target" title=${target}
          ><span class="visually-hidden">${t('row.goesTo')}</span
          ><span aria-hidden="true">→ </span>${target}</span
        >
        <span class="job-folder" title=${job.root}
          ><span aria-hidden="true"> · </span
          ><span class="visually-hidden">${t('row.fromFolder')}</span>${describeFolder(job)}</span
        >
      </div>
      ${
        job.state === 'uploaded' &&
        !job.detail &&
        !job.note &&
        !(job.batchSize && job.batchSize > 1)
          ? nothing
          : html`<div class="job-detail ${job.state === 'failed' ? 'is-error' : ''}">
              ${describeState(job, now)}
            </div>`
      }
      ${hint ? html`<div class="job-hint">${hint}</div>` : nothing}
      ${
        job.state === 'uploading'
          ? html`<div
              class="progress ${pct == null ? 'is-indeterminate' : ''}"
              role="progressbar"
              aria-label=${t('row.progress', { name: job.name })}
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${pct ?? nothing}
            >
              <div class="progress-fill" ${ref(setWidth(pct ?? 30))}></div>
            </div>`
          : nothing
      }
      ${
        job.imageId
          ? html`<div class="job-image">
              <span class="field-label">${t('row.imageId')}</span
              ><code title=${job.imageId}>${job.imageId}</code>
            </div>`
          : nothing
      }
      ${options.location ? fileLocation(job, options.location) : nothing}
      <details class="job-details">
        <summary>${t('row.details')}</summary>
        <dl>
          <dt>${t('row.detailsGoesTo')}</dt>
          <dd>${target}</dd>
          <dt>${t('row.detailsFolder')}</dt>
          <dd><code>${folderPath(job)}</code></dd>
          ${
            job.finalPath
              ? html`<dt>${t('row.detailsFile')}</dt>
                  <dd><code>${job.finalPath}</code></dd>`
              : nothing
          }
        </dl>
      </details>
    </div>
    <time class="job-time" datetime=${new Date(time).toISOString()}>${formatTime(time, now)}</time>
    <div class="job-actions">
      ${
        // Retry only where another try can help; a file that would fail the same way says what to do.
        job.state === 'failed' && job.error?.retryable
          ? html`<button
              class="secondary small"
              aria-label=${t('row.retryLabel', { name: job.name })}
              @click=${() => options.onRetry(job)}
            >
              ${t('row.retry')}
            </button>`
          : nothing
      }
      ${
        job.state === 'failed' && job.holdsBatch
          ? html`<button
              class="secondary small"
              aria-label=${t('row.sendWithoutLabel', { name: job.name })}
              @click=${() => options.onSendWithout(job)}
            >
              ${t('row.sendWithout')}
            </button>`
          : nothing
      }
      <button
        class="ghost small"
        aria-label=${t('row.showLabel', { name: job.name })}
        aria-expanded=${options.pathInRow ? String(options.location !== undefined) : nothing}
        @click=${() => options.onShowInFolder(job)}
      >
        ${t('row.show')}
      </button>
    </div>
  </li>`;
}

/** The file's path on the watching machine, selectable and with a Copy button. */
function fileLocation(job: Job, path: string) {
  const id = `location-${job.id}`;
  return html`<div class="job-location" role="group" aria-labelledby=${id}>
    <span class="field-label" id=${id}>${t('row.location')}</span>
    <code>${path}</code>
    <button
      class="secondary small"
      aria-label=${t('row.copyLabel', { name: job.name })}
      @click=${async (e: Event) => {
        const button = e.currentTarget as HTMLButtonElement;
        try {
          await navigator.clipboard.writeText(path);
          button.nextElementSibling!.textContent = t('row.copied');
        } catch {
          // No clipboard (an insecure context, a refused permission): select the path to copy by hand.
          const code = button.previousElementSibling;
          if (code) getSelection()?.selectAllChildren(code);
        }
      }}
    >
      ${t('row.copy')}
    </button>
    <span class="copy-state" role="status"></span>
  </div>`;
}

/** Sets a width through the CSSOM: the CSP forbids style attributes, not style properties. */
function setWidth(pct: number) {
  return (el?: Element) => {
    if (el) (el as HTMLElement).style.width = `${pct}%`;
  };
}
