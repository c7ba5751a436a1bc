import { html, nothing } from 'lit';
import { settingsSchema } from '../../../main/engine/settings/schema.js';

/**
 * Validation as you type, with the engine's own zod schema (the single source):
 * each problem keyed by its path, e.g. "folders.0.routes.1.target.id", so the
 * message can sit next to the field it is about.
 */
export function draftErrors(draft: unknown): Map<string, string> {
  const errors = new Map<string, string>();
  const result = settingsSchema.safeParse(draft);
  if (result.success) return errors;
  for (const issue of result.error.issues) {
    const key = issue.path.join('.');
    if (!errors.has(key)) errors.set(key, issue.message);
  }
  return errors;
}

/** The id of a field's error element, for aria-describedby. */
export const errorId = (key: string) => `error-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** The message under a field, or nothing. `name` says which field, so the message stands alone. */
export function fieldError(message: string | undefined, key: string, name: string) {
  return message
    ? html`<p class="field-error" id=${errorId(key)}>
        <span aria-hidden="true">⚠ </span>${name}: ${message}
      </p>`
    : nothing;
}
