#!/usr/bin/env bash
# Starts the HYSOPE lab (Debian's Jupyter Server + the webpack build in build/).
# Usage: start-lab.sh PORT TOKEN NOTEBOOK_ROOT [extra jupyter server options...]
# Env: HYSOPE_GATEWAY_URL, HYSOPE_TOKEN (for the extensions), HYSOPE_LAB_STATE (settings, workspaces, jupyter dirs).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PORT="${1:-8888}"; TOKEN="${2:-}"; ROOT="$(cd "${3:-.}" && pwd)"; shift $(( $# < 3 ? $# : 3 ))
[ -f "$HERE/build/bundle.js" ] || { echo "start-lab.sh: the lab is not built (npm run build -w @hysope/lab)" >&2; exit 1; }
STATE="${HYSOPE_LAB_STATE:-$HERE/.state}"
mkdir -p "$STATE"/{config,data,runtime}
export HYSOPE_LAB_STATE="$STATE"
export JUPYTER_CONFIG_DIR="$STATE/config" JUPYTER_DATA_DIR="$STATE/data" JUPYTER_RUNTIME_DIR="$STATE/runtime"
# Kernel specs installed by scripts/kernels.sh live in the same data dir.
export JUPYTER_PATH="$STATE/data${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
cd "$ROOT" # jupyter_server 1.23 ignores the terminal cwd sent by the front end
exec /usr/bin/python3 -m hysope_lab \
  --ServerApp.port="$PORT" --ServerApp.ip=127.0.0.1 --ServerApp.open_browser=False --ServerApp.allow_root=True \
  --ServerApp.token="$TOKEN" --ServerApp.root_dir="$ROOT" --FileContentsManager.delete_to_trash=False "$@"
