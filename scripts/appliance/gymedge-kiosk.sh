#!/bin/sh
# Opens the unit's kiosk full-screen in Chromium once the core answers (run in the kiosk user's
# graphical session, e.g. from ~/.config/autostart/gymedge-kiosk.desktop, installed by install.sh).
set -eu
[ -r /etc/gymedge/appliance.env ] && . /etc/gymedge/appliance.env
PORT="${GYMEDGE_PORT:-8081}"
URL="http://127.0.0.1:${PORT}/${GYMEDGE_SCREEN:-kiosk}"
CHROMIUM="$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)"
i=0
until curl -fsS "http://127.0.0.1:${PORT}/health" >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -gt 120 ] && break
  sleep 1
done
# Chromium restarts with the session; the page itself recovers when the core restarts.
exec "$CHROMIUM" --kiosk --app="$URL" --no-first-run --disable-translate --disable-sync \
  --disable-background-networking --disable-component-update --noerrdialogs --disable-infobars \
  --autoplay-policy=no-user-gesture-required --use-fake-ui-for-media-stream \
  --user-data-dir="${XDG_STATE_HOME:-$HOME/.local/state}/gymedge-kiosk"
