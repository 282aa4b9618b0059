#!/usr/bin/env bash
# Started by Playwright (its one webServer): the servers the UI tests use — the gateway and the lab
# (start-servers.sh), the zero-server workshop site (start-lite.sh), the portal's gateway (start-portal.sh) —
# started side by side (Playwright starts its webServers one after the other), ready when every one answers.
set -euo pipefail
DIR="$(cd "$(dirname "$0")" && pwd)"
URLS=(
  "http://127.0.0.1:${HYSOPE_UI_LAB_PORT:-8889}/api/status"
  "http://127.0.0.1:${HYSOPE_UI_SITE_PORT:-8095}/lab/index.html"
  "http://127.0.0.1:${HYSOPE_UI_PORTAL_PORT:-8092}/health/live"
)
PIDS=()
for s in start-servers.sh start-lite.sh start-portal.sh; do
  bash "$DIR/$s" &
  PIDS+=("$!")
done
for url in "${URLS[@]}"; do
  until curl -sf -o /dev/null "$url"; do
    # One that stopped fails the start at once (its stderr says why), instead of at Playwright's timeout.
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { echo "a UI test server stopped before $url answered" >&2; exit 1; }; done
    sleep 0.5
  done
done
echo "HYSOPE UI servers ready"
wait
