/**
 * The locales the OS asks for, as a command-line program sees them: POSIX
 * says LC_ALL, then LC_MESSAGES, then LANG decide ("C" and "POSIX" mean
 * English); Windows and macOS leave these unset, and ICU's default (Intl)
 * follows the system there.
 */
export function systemLocales(env: NodeJS.ProcessEnv = process.env): string[] {
  const posix = env.LC_ALL || env.LC_MESSAGES || env.LANG;
  if (posix) {
    const tag = posix.replace(/\..*$/, '').replace(/@.*$/, '');
    if (tag === 'C' || tag === 'POSIX') return ['en'];
    return [posix];
  }
  return [Intl.DateTimeFormat().resolvedOptions().locale];
}
