#!/usr/bin/env bash
# Started by Playwright (webServer) for the zero-server tests (lite.spec.ts): a workshop site built the way a
# trainer builds one (`hysope export-static --lab`, the lab's production build, the bundled workshop notebooks)
# from a catalog of reach granules and pixel clouds, then served by a plain static web server, with no HYSOPE
# process left running. The site stays in test-results/lite-site (its size is measured by the test).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PORT="${HYSOPE_UI_SITE_PORT:-8095}"
WORK="$(mktemp -d /tmp/hysope-lite-XXXXXX)"
SITE="$ROOT/test-results/lite-site"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
export HYSOPE_LOG_LEVEL=warn
S="$ROOT/samples"
node "$ROOT/server/gateway/bin/hysope.js" ingest --data "$WORK/data" "$S"/swot/riversp/SWOT_L2_HR_RiverSP_Reach_*.zip \
  "$S"/swot/pixc/SWOT_L2_HR_PIXC_*.nc >/dev/null
rm -rf "$SITE"
node "$ROOT/server/gateway/bin/hysope.js" export-static --data "$WORK/data" --collections swot-riversp-reach,swot-pixc \
  --lab --title "HYSOPE workshop (test)" "$SITE" >/dev/null
rm -rf "$WORK/data"
"$ROOT/node_modules/.bin/tsx" "$ROOT/test/ui/static-site.ts" "$SITE" "$PORT" &
wait
