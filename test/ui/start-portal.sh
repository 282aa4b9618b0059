#!/usr/bin/env bash
# Started by Playwright (webServer) for the portal tests: a gateway of its own with every kind of sample (reaches
# and nodes over several cycles, a LakeSP granule, Hydroweb virtual stations, a Hub'Eau gauge), as deployed:
# the portal served by the gateway from its production build.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PORT="${HYSOPE_UI_PORTAL_PORT:-8092}"
WORK="$(mktemp -d /tmp/hysope-portal-XXXXXX)"
# Jobs (the basket's exports) run under their own uids: the folders above the data folder must be traversable.
chmod 711 "$WORK"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
export HYSOPE_LOG_LEVEL=warn HYSOPE_RATE_LIMIT=0
S="$ROOT/samples"
node "$ROOT/server/gateway/bin/hysope.js" ingest --data "$WORK/data" \
  "$S"/swot/riversp/SWOT_L2_HR_RiverSP_Reach_*.zip "$S"/swot/riversp/SWOT_L2_HR_RiverSP_Node_*_51_*.zip \
  "$S"/swot/lakesp/SWOT_L2_HR_LakeSP_Prior_018_*.zip "$S"/altimetry/hydroweb/*_mean.json \
  "$S"/insitu/hubeau/obs_elab_K447001001_depuis_2026-08-01_2026-09-13.json >/dev/null
# Single sign-on against a real OpenID provider (oidc-provider), started first.
OIDC_PORT="${HYSOPE_UI_OIDC_PORT:-8093}"
HYSOPE_UI_PORTAL_URL="http://127.0.0.1:$PORT" "$ROOT/node_modules/.bin/tsx" "$ROOT/test/ui/oidc-provider.ts" 2>/dev/null &
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration" >/dev/null && break; sleep 0.2; done
export HYSOPE_OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT" HYSOPE_OIDC_CLIENT_ID=hysope \
  HYSOPE_OIDC_ROLES='hydro-scientists=scientific,agency=institutional,hysope-admins=admin'
# A real SMTP server keeping each mail in test-results/portal-mail (the basket's "e-mail me when ready").
SMTP_PORT="${HYSOPE_UI_SMTP_PORT:-8094}"
rm -rf "$ROOT/test-results/portal-mail"
HYSOPE_UI_MAIL_DIR="$ROOT/test-results/portal-mail" HYSOPE_UI_SMTP_PORT="$SMTP_PORT" "$ROOT/node_modules/.bin/tsx" "$ROOT/test/ui/smtp-sink.ts" >/dev/null 2>&1 &
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$SMTP_PORT) 2>/dev/null && break; sleep 0.2; done
export HYSOPE_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" HYSOPE_SMTP_FROM='HYSOPE <portal@hysope.test>'
# "Open in the lab" goes to the lab of the Galata tests (start-servers.sh), another origin, as deployed.
export HYSOPE_LAB_URL="http://127.0.0.1:${HYSOPE_UI_LAB_PORT:-8889}/lab"
# Its log is kept for whoever reads a failure (Playwright shows only the servers' stderr).
mkdir -p "$ROOT/test-results"
node "$ROOT/server/gateway/bin/hysope.js" serve --data "$WORK/data" --port "$PORT" >"$ROOT/test-results/portal-gateway.log" 2>&1 &
wait
