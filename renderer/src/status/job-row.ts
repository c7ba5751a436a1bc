import { html, nothing } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { Job } from '../../../main/engine/types.js';
import { t, targetText } from '../i18n.js';
import {
  STATE_GLYPH,
  describeFolder,
  describeState,
  formatTime,
  percent,
  stateLabel,
} from './job-format.js';

/** What a row needs besides its job. */
export interface JobRowOptions {
  now: number;
  highlighted: boolean;
  onRetry(job: Job): void;
  onShowInFolder(job: Job): void;
}

/**
 * One job in the status list: state (label and glyph, never colour alone),
 * file, destination and folder, the reason or progress, image id, time, actions.
 */
export function jobRow(job: Job, options: JobRowOptions) {
  const now = options.now;
  const label = stateLabel(job.state);
  const time = job.finishedAt ?? job.updatedAt;
  const pct = job.progress != null ? percent(job.progress) : null;
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
        <span class="job-target"
          ><span class="visually-hidden">${t('row.goesTo')}</span
          ><span aria-hidden="true">→ </span>${targetText(job.target)}</span
        >
        <span class="job-folder" title=${job.root}
          ><span aria-hidden="true"> · </span
          ><span class="visually-hidden">${t('row.fromFolder')}</span>${describeFolder(job)}</span
        >
      </div>
      ${
        job.state === 'uploaded' && !job.detail && !(job.batchSize && job.batchSize > 1)
          ? nothing
          : html`<div class="job-detail ${job.state === 'failed' ? 'is-error' : ''}">
              ${describeState(job, now)}
            </div>`
      }
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
    </div>
    <div class="job-image">
      ${
        job.imageId
          ? html`<span class="field-label">${t('row.imageId')}</span
              ><code title=${job.imageId}>${job.imageId}</code>`
          : nothing
      }
    </div>
    <time class="job-time" datetime=${new Date(time).toISOString()}>${formatTime(time, now)}</time>
    <div class="job-actions">
      ${
        job.state === 'failed'
          ? html`<button
              class="secondary small"
              aria-label=${t('row.retryLabel', { name: job.name })}
              @click=${() => options.onRetry(job)}
            >
              ${t('row.retry')}
            </button>`
          : nothing
      }
      <button
        class="ghost small"
        aria-label=${t('row.showLabel', { name: job.name })}
        @click=${() => options.onShowInFolder(job)}
      >
        ${t('row.show')}
      </button>
    </div>
  </li>`;
}

/** Sets a width through the CSSOM: the CSP forbids style attributes, not style properties. */
function setWidth(pct: number) {
  return (el?: Element) => {
    if (el) (el as HTMLElement).style.width = `${pct}%`;
  };
}
