#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring,
# so the keychain tests talk to a real Secret Service, and with HOME in a temp
# folder so nothing touches the developer's own keyring. Without those programs
# the command runs as it is and the keychain tests say why they are skipped.
set -euo pipefail
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" XDG_RUNTIME_DIR="$home/run"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  export CONCUR_DROP_KEYCHAIN=available
  exec dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec npx "$@"' sh "$@"
fi
echo "with-keychain: dbus-run-session or gnome-keyring-daemon missing; keychain tests will be skipped" >&2
exec npx "$@"
