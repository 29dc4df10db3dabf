#!/usr/bin/env bash
# Fetches real test footage for vision (never committed): vtest.avi (768x576, 10 fps, 795 frames of
# pedestrians), Megamind.avi, messi5.jpg and basketball1.png from Debian's opencv-doc package, into
# $GYMEDGE_MEDIA_DIR (default: .cache/media in the repository, git-ignored). Idempotent: does nothing
# when the files are already there. Exit code 0 even when apt is unreachable (tests then skip and say so).
set -uo pipefail
cd "$(dirname "$0")/.."
dest="${GYMEDGE_MEDIA_DIR:-$PWD/.cache/media}"
mkdir -p "$dest"
if [ -s "$dest/vtest.avi" ] && [ -s "$dest/messi5.jpg" ]; then
  echo "test media already in $dest"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$work" || exit 1
  apt-get download opencv-doc >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get download opencv-doc >/dev/null 2>&1; }
) || true
deb="$(ls "$work"/opencv-doc_*.deb 2>/dev/null | head -n 1)"
if [ -z "$deb" ]; then
  echo "fetch-test-media: could not download opencv-doc with apt (no Debian mirror reachable?); vision tests that need vtest.avi will skip" >&2
  exit 0
fi
dpkg -x "$deb" "$work/x"
for name in vtest.avi Megamind.avi messi5.jpg basketball1.png; do
  found="$(find "$work/x" -name "$name" -print -quit)"
  [ -n "$found" ] && cp "$found" "$dest/$name"
done
echo "test media in $dest: $(ls "$dest" | tr '\n' ' ')"
