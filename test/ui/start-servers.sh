#!/usr/bin/env bash
# Started by Playwright (webServer): the real gateway with the sample data, and the real lab with
# Galata's helpers, on fixed test ports. Everything lives in a temporary folder.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
GATEWAY_PORT="${HYSOPE_UI_GATEWAY_PORT:-8091}"
LAB_PORT="${HYSOPE_UI_LAB_PORT:-8889}"
WORK="$(mktemp -d /tmp/hysope-ui-XXXXXX)"
# Jobs run under their own uids: the folders above the data folder must be traversable (not readable).
chmod 711 "$WORK"
# Kernels the lab started go too (one left running would hold Playwright's pipe open after the lab has gone).
trap 'kill $(jobs -p) 2>/dev/null; pkill -f "$WORK/lab/runtime/kernel-" 2>/dev/null; rm -rf "$WORK"' EXIT
export HYSOPE_LOG_LEVEL=warn HYSOPE_RATE_LIMIT=0
# Alerts' timers (no data for N days) every 2 s, so the lab's alert notifications are seen in a test.
export HYSOPE_WATCHDOG_MS=2000
# As deployed: the lab is another origin, allowed by the gateway's CORS policy; the lab's user is signed in.
export HYSOPE_CORS_ORIGINS="http://127.0.0.1:$LAB_PORT,http://localhost:$LAB_PORT"
node "$ROOT/server/gateway/bin/hysope.js" ingest --data "$WORK/data" \
  "$ROOT"/samples/swot/riversp/SWOT_L2_HR_RiverSP_Reach_*.zip "$ROOT"/samples/swot/pixc/SWOT_L2_HR_PIXC_001_*.nc >/dev/null
KEY="$(node "$ROOT/server/gateway/bin/hysope.js" user add galata scientific --data "$WORK/data" | sed -n 's/.*(shown once): //p')"
# Hub'Eau replayed on this machine, harvested every 30 s by a schedule (HYDRA's status view shows the source).
HUBEAU_PORT="${HYSOPE_UI_HUBEAU_PORT:-8097}"
node "$ROOT/node_modules/tsx/dist/cli.mjs" "$ROOT/test/ui/hubeau-server.ts" "$HUBEAU_PORT" &
node "$ROOT/server/gateway/bin/hysope.js" user add harvester producer --data "$WORK/data" >/dev/null
export HYSOPE_HUBEAU_URL="http://127.0.0.1:$HUBEAU_PORT/api"
export HYSOPE_HARVEST_SCHEDULES='[{"name":"loire","cron":"*/30 * * * * *","as":"harvester","inputs":{"source":"hubeau","stations":["K447001001"]}}]'
node "$ROOT/server/gateway/bin/hysope.js" serve --data "$WORK/data" --port "$GATEWAY_PORT" &
bash "$ROOT/scripts/kernels.sh" "$WORK/lab/data" >/dev/null
# Notebooks live inside the repository so the TypeScript kernel resolves @hysope/kernels-bridge.
NOTEBOOKS="$ROOT/test-results/ui-notebooks"
rm -rf "$NOTEBOOKS"; mkdir -p "$NOTEBOOKS"
HYSOPE_TOKEN="$KEY" HYSOPE_LAB_STATE="$WORK/lab" HYSOPE_GALATA=1 HYSOPE_GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT" \
  "$ROOT/server/lab/start-lab.sh" "$LAB_PORT" '' "$NOTEBOOKS" \
  --ServerApp.password='' --ServerApp.disable_check_xsrf=True &
wait
