#!/bin/sh
# Installs the GymEdge unit on Debian as a systemd service plus a Chromium kiosk, the alternative to the
# Electron shell that runs on these machines. Run as root from a checkout where `npm ci` has run:
#   sudo scripts/appliance/install.sh --unit sp-paulista [--port 8081] [--kiosk-user kiosk] [--dry-run]
set -eu
UNIT=""; PORT=8081; KIOSK_USER=""; DRY=0; PREFIX=/opt/gymedge
while [ $# -gt 0 ]; do
  case "$1" in
    --unit) UNIT="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --kiosk-user) KIOSK_USER="$2"; shift 2 ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
case "$UNIT" in
  ''|*[!a-z0-9-]*) echo "--unit is required: a slug like sp-paulista" >&2; exit 2 ;;
esac
case "$PORT" in ''|*[!0-9]*) echo "--port must be a number" >&2; exit 2 ;; esac
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
run() { if [ "$DRY" = 1 ]; then echo "+ $*"; else "$@"; fi; }

[ "$DRY" = 1 ] || [ "$(id -u)" = 0 ] || { echo "run as root (or with --dry-run)" >&2; exit 2; }
command -v node >/dev/null || { echo "node (>= 20.19) is needed: apt-get install nodejs" >&2; exit 2; }
[ -f "$REPO/apps/edge/web/dist/kiosk/index.html" ] || { echo "build first: npm ci (it builds the screens)" >&2; exit 2; }

run apt-get install -y --no-install-recommends chromium curl
id gymedge >/dev/null 2>&1 || run useradd --system --home /var/lib/gymedge --shell /usr/sbin/nologin gymedge
run install -d -o gymedge -g gymedge -m 0700 /var/lib/gymedge
run install -d -m 0755 /etc/gymedge "$PREFIX"
if [ "$DRY" = 1 ]; then echo "+ write /etc/gymedge/appliance.env (GYMEDGE_UNIT=$UNIT GYMEDGE_PORT=$PORT)"; else
  printf 'GYMEDGE_UNIT=%s\nGYMEDGE_PORT=%s\n' "$UNIT" "$PORT" > /etc/gymedge/appliance.env
fi
run cp -a "$REPO/." "$PREFIX/"
run install -m 0644 "$HERE/gymedge-core.service" /etc/systemd/system/gymedge-core.service
run install -m 0755 "$HERE/gymedge-kiosk.sh" /usr/local/bin/gymedge-kiosk
run systemctl daemon-reload
run systemctl enable --now gymedge-core.service
if [ -n "$KIOSK_USER" ]; then
  AUTOSTART="$(getent passwd "$KIOSK_USER" | cut -d: -f6)/.config/autostart"
  run install -d -o "$KIOSK_USER" "$AUTOSTART"
  if [ "$DRY" = 1 ]; then echo "+ write $AUTOSTART/gymedge-kiosk.desktop"; else
    printf '[Desktop Entry]\nType=Application\nName=GymEdge kiosk\nExec=/usr/local/bin/gymedge-kiosk\nX-GNOME-Autostart-enabled=true\n' > "$AUTOSTART/gymedge-kiosk.desktop"
    chown "$KIOSK_USER" "$AUTOSTART/gymedge-kiosk.desktop"
  fi
fi
echo "GymEdge unit $UNIT installed: http://127.0.0.1:$PORT/kiosk (systemctl status gymedge-core)"
