#!/usr/bin/env bash
# Installs what HYSOPE needs on a fresh Debian 12 machine: Debian packages (Chromium for the browser tests, PostgreSQL for the
# store tests and production-like runs, GDAL for the ingest benchmark baseline), the npm
# workspaces (npm ci) and the TypeScript build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(procps util-linux unzip python3-owslib postgresql gdal-bin chromium fonts-liberation python3-jupyter-server python3-jupyterlab-server python3-ipykernel python3-nbclient python3-nbformat jupyter-core jupyter-client jupyterhub ansible-core prometheus cwltool slurmctld slurmd slurm-client munge toil)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm run build
