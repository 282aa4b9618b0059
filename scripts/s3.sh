#!/usr/bin/env bash
# A one-node S3 server on this machine: Ceph's RADOS Gateway from Debian (ceph-mon, ceph-osd on memstore,
# radosgw), everything under one folder, listening on 127.0.0.1 only. For the object-store tests and for
# trying HYSOPE_OBJECT_STORE=s3://... on one machine.
#
#   scripts/s3.sh start [DIR] [S3_PORT] [MON_PORT]   starts it (creates it on first use), prints the settings
#   scripts/s3.sh stop  [DIR]                        stops it cleanly (memstore saves its data on a clean stop)
#
# The settings are also written to DIR/env (HYSOPE_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
# Needs ceph-mon ceph-osd radosgw ceph-common (scripts/install.sh installs them).
set -euo pipefail
ACTION="${1:-start}"
DIR="$(realpath -m "${2:-/var/lib/hysope-s3}")"
S3_PORT="${3:-7480}"
MON_PORT="${4:-3301}"
MEMSTORE_BYTES="${HYSOPE_S3_MEMSTORE_BYTES:-4294967296}"
ACCESS_KEY="${HYSOPE_S3_ACCESS_KEY:-hysope}"
SECRET_KEY="${HYSOPE_S3_SECRET_KEY:-hysope-secret-key}"
CONF="$DIR/ceph.conf"
T=30 # seconds any ceph command may take: they can hang for minutes otherwise

log() { echo "s3.sh: $*" >&2; }
ceph_() { timeout "$T" ceph -c "$CONF" "$@"; }
alive() { # a PID that runs (a killed daemon lingers a few seconds as a zombie)
  local pid="$1" state
  [ -r "/proc/$pid/stat" ] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo Z)"
  [ "$state" != Z ] && [ "$state" != X ]
}
daemon() { # name, command...: detached in its own session, PID recorded
  local name="$1"; shift
  setsid "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 &
  echo $! >"$DIR/run/$name.pid"
}
stop_one() {
  local name="$1" pid
  [ -s "$DIR/run/$name.pid" ] || return 0
  pid="$(cat "$DIR/run/$name.pid")"
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then log "$name did not stop in 10 s: killed"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$DIR/run/$name.pid"
}
answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$S3_PORT/"; }

stop_all() {
  local clean=1
  for name in rgw osd mon; do
    if [ -s "$DIR/run/$name.pid" ] && ! alive "$(cat "$DIR/run/$name.pid")"; then clean=0; fi
    stop_one "$name"
  done
  # memstore writes its data out on a clean stop only: the marker says the folder can be started again.
  if [ "$clean" = 1 ] && [ -d "$DIR/osd" ]; then touch "$DIR/clean"; fi
}

if [ "$ACTION" = stop ]; then
  [ -d "$DIR" ] || exit 0
  stop_all
  exit 0
fi
[ "$ACTION" = start ] || { log "usage: $0 start|stop [DIR] [S3_PORT] [MON_PORT]"; exit 2; }

for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
  command -v "$b" >/dev/null || { log "$b is missing: apt-get install ceph-mon ceph-osd radosgw ceph-common"; exit 1; }
done
if [ -s "$DIR/run/rgw.pid" ] && alive "$(cat "$DIR/run/rgw.pid")" && answers; then
  cat "$DIR/env"; exit 0
fi
stop_all
# A folder that was not stopped cleanly lost its memstore: created again from nothing.
if [ -d "$DIR/mon" ] && [ ! -e "$DIR/clean" ]; then log "$DIR was not stopped cleanly: its data is gone, creating it again"; fi
FRESH=0
if [ ! -e "$DIR/clean" ] || [ ! -s "$CONF" ] || ! grep -q "endpoint=127.0.0.1:$S3_PORT " "$CONF" || ! grep -q "127.0.0.1:$MON_PORT\]" "$CONF"; then
  rm -rf "$DIR"
  FRESH=1
fi
rm -f "$DIR/clean"
mkdir -p "$DIR/run" "$DIR/log" "$DIR/mon" "$DIR/osd" "$DIR/rgw"

if [ "$FRESH" = 1 ]; then
  FSID="$(cat /proc/sys/kernel/random/uuid)"
  cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon_host = [v2:127.0.0.1:$MON_PORT]
ms_bind_msgr1 = false
ms_bind_msgr2 = true
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_objectstore = memstore
memstore_device_bytes = $MEMSTORE_BYTES
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
paxos_propose_interval = 0.1
osd_fast_shutdown = false
mon_data_avail_warn = 2
rgw_gc_obj_min_wait = 10
rgw_gc_processor_period = 10
run_dir = $DIR/run
admin_socket = $DIR/run/\$name.asok
log_file = $DIR/log/\$name.log
mon_data = $DIR/mon/\$cluster-\$id
osd_data = $DIR/osd/\$cluster-\$id
rgw_data = $DIR/rgw/\$cluster-\$id
keyring = $DIR/keyring

[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$S3_PORT tcp_nodelay=1
ms_mon_client_mode = crc
CONF
  touch "$DIR/keyring"
  timeout "$T" monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >/dev/null
  timeout "$T" ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" >>"$DIR/log/mkfs.out" 2>&1
fi

daemon mon ceph-mon -c "$CONF" -f -i a
for _ in $(seq 1 60); do ceph_ mon stat >/dev/null 2>&1 && break; sleep 0.5; done
ceph_ mon stat >/dev/null 2>&1 || { log "the monitor did not answer (see $DIR/log)"; exit 1; }

if [ "$FRESH" = 1 ]; then
  OSD_UUID="$(cat /proc/sys/kernel/random/uuid)"
  OSD_ID="$(ceph_ osd new "$OSD_UUID")"
  mkdir -p "$DIR/osd/ceph-$OSD_ID"
  timeout "$T" ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >>"$DIR/log/mkfs.out" 2>&1
fi
daemon osd ceph-osd -c "$CONF" -f -i 0
for _ in $(seq 1 120); do
  ceph_ osd dump 2>/dev/null | grep -q '^osd.0 up' && break
  sleep 0.5
done
ceph_ osd dump 2>/dev/null | grep -q '^osd.0 up' || { log "the OSD did not come up (see $DIR/log)"; exit 1; }

daemon rgw radosgw -c "$CONF" -f -n client.rgw.a
for _ in $(seq 1 120); do answers && break; alive "$(cat "$DIR/run/rgw.pid")" || break; sleep 0.25; done
answers || { log "the RADOS Gateway did not answer on port $S3_PORT (see $DIR/log)"; exit 1; }

if [ "$FRESH" = 1 ]; then
  timeout "$T" radosgw-admin -c "$CONF" -n client.rgw.a --admin-socket "" user create --uid=hysope --display-name=HYSOPE \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null
fi
cat >"$DIR/env" <<ENV
HYSOPE_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
HYSOPE_S3_REGION=us-east-1
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
ENV
cat "$DIR/env"
