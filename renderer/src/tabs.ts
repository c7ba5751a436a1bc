/**
 * Keyboard for ARIA tablists (WAI-ARIA APG): arrows, Home and End move between
 * tabs and select them; Tab leaves the tablist for the panel.
 */
export function tablistKeydown<T extends string>(
  event: KeyboardEvent,
  tabs: readonly T[],
  current: T,
  select: (tab: T) => void,
): void {
  const index = tabs.indexOf(current);
  let next: number;
  switch (event.key) {
    case 'ArrowRight':
    case 'ArrowDown':
      next = (index + 1) % tabs.length;
      break;
    case 'ArrowLeft':
    case 'ArrowUp':
      next = (index - 1 + tabs.length) % tabs.length;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = tabs.length - 1;
      break;
    default:
      return;
  }
  event.preventDefault();
  select(tabs[next]);
  const tablist = event.currentTarget as HTMLElement;
  requestAnimationFrame(() =>
    tablist.querySelector<HTMLElement>(`[role="tab"][aria-selected="true"]`)?.focus(),
  );
}

/** Tells the app shell to show a short message (bubbles up to <cd-app>). */
export function notify(
  from: Element,
  message: string,
  level: 'info' | 'warn' | 'error' = 'info',
): void {
  from.dispatchEvent(
    new CustomEvent('cd-notice', { detail: { message, level }, bubbles: true, composed: true }),
  );
}
