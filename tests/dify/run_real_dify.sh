#!/usr/bin/env bash
# Runs the real Dify console API 1.14.2 (the app version of the pinned dify-helm chart 0.37.0) from its published
# source on this machine and runs the dify_* modules against it, recording what ran and what came back under
# tests/dify/recorded/.
#
# NOT part of CI (scripts/test does not run it): it installs Dify's 2.3 GB virtual environment from PyPI, PostgreSQL 15
# and redis-server from Debian, and takes minutes. Nothing of Dify is committed; everything heavy lives under
# $DIFY_REAL (default /var/tmp/dify-real), outside the checkout.
#
# What does NOT run here: the plugin daemon (Go; its modules cannot be fetched, the Go module proxy is unreachable),
# so no plugin is installed and no model provider registered for real; the modules that need it are run to show that
# they fail cleanly, naming the step and what Dify answered. The sandbox, web, worker and vector store do not run
# either (the console API does not need them for setup and login).
#
# Usage: tests/dify/run_real_dify.sh [install] [start] [reset] [exercise] [stop]
#   (no argument: install start reset exercise stop; reset makes Dify fresh again: new database, empty Redis)
#   DIFY_GIT_DIR  a git directory holding upstream's tag (default: the fetched fork /work/.mirror/lazysGit+dify/repo)
#   DIFY_TAG      default 1.14.2
#   PRIVATEAI_VENV  the project's virtual environment (ansible-playbook), default <checkout>/.venv
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DIFY_REAL="${DIFY_REAL:-/var/tmp/dify-real}"
DIFY_GIT_DIR="${DIFY_GIT_DIR:-/work/.mirror/lazysGit+dify/repo}"
DIFY_TAG="${DIFY_TAG:-1.14.2}"
PYTHON312="${PYTHON312:-/root/.pyenv/versions/3.12.1/bin/python3.12}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
API_PORT="${API_PORT:-5001}"
VENV="${PRIVATEAI_VENV:-$REPO/.venv}"
RECORDED="$HERE/recorded"
INIT_PASSWORD_FILE="$DIFY_REAL/secrets/init_password"
ADMIN_PASSWORD_FILE="$DIFY_REAL/secrets/admin_password"

log() { printf '[run_real_dify %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

install() {
  mkdir -p "$DIFY_REAL"
  if [ ! -d "$DIFY_REAL/src/api" ]; then
    log "exporting api/ of tag $DIFY_TAG from $DIFY_GIT_DIR"
    mkdir -p "$DIFY_REAL/src"
    git --git-dir="$DIFY_GIT_DIR" archive "$DIFY_TAG" api | tar -x -C "$DIFY_REAL/src"
  fi
  if [ ! -x "$DIFY_REAL/uv/bin/uv" ]; then
    "$PYTHON312" -m venv "$DIFY_REAL/uv"
    "$DIFY_REAL/uv/bin/pip" install -q uv
  fi
  log "uv sync --frozen --no-dev (Dify's dependencies from PyPI)"
  (cd "$DIFY_REAL/src/api" && UV_PROJECT_ENVIRONMENT="$DIFY_REAL/venv" "$DIFY_REAL/uv/bin/uv" sync --frozen --no-dev \
     --python "$PYTHON312" 2>&1 | tail -3)
  command -v redis-server >/dev/null || { log "apt-get install redis-server"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null; }
  [ -x "$PG_BIN/initdb" ] || { log "apt-get install postgresql-15"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 >/dev/null; }
  mkdir -p "$DIFY_REAL/secrets"
  chmod 700 "$DIFY_REAL/secrets"
  for f in "$INIT_PASSWORD_FILE" "$ADMIN_PASSWORD_FILE" "$DIFY_REAL/secrets/secret_key" "$DIFY_REAL/secrets/db_password"; do
    [ -s "$f" ] || { (umask 077; "$PYTHON312" -c 'import secrets,string; a=string.ascii_letters+string.digits; print("Aa1"+"".join(secrets.choice(a) for _ in range(21)), end="")' > "$f"); }
  done
  if [ ! -d "$DIFY_REAL/pgdata" ]; then
    log "initdb (PostgreSQL 15) in $DIFY_REAL/pgdata"
    mkdir -p "$DIFY_REAL/pgdata" && chown postgres:postgres "$DIFY_REAL/pgdata"
    pwfile="$(mktemp /tmp/dify-real-pw.XXXXXX)"
    cp "$DIFY_REAL/secrets/db_password" "$pwfile" && chown postgres "$pwfile"
    su postgres -s /bin/sh -c "cd /tmp && $PG_BIN/initdb -D $DIFY_REAL/pgdata -U postgres --pwfile=$pwfile -A scram-sha-256 >/dev/null"
    rm -f "$pwfile"
  fi
  write_env
}

write_env() {
  # Dify's own example settings, with the local services and fresh secrets; INIT_PASSWORD set as the chart sets it.
  (umask 077
   cp "$DIFY_REAL/src/api/.env.example" "$DIFY_REAL/src/api/.env"
   cat >> "$DIFY_REAL/src/api/.env" <<ENV

# run_real_dify.sh
SECRET_KEY=$(cat "$DIFY_REAL/secrets/secret_key")
INIT_PASSWORD=$(cat "$INIT_PASSWORD_FILE")
DB_HOST=127.0.0.1
DB_PORT=$PG_PORT
DB_USERNAME=postgres
DB_PASSWORD=$(cat "$DIFY_REAL/secrets/db_password")
DB_DATABASE=dify
REDIS_HOST=127.0.0.1
REDIS_PORT=$REDIS_PORT
REDIS_PASSWORD=
CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/1
OPENDAL_FS_ROOT=$DIFY_REAL/storage
CONSOLE_API_URL=http://127.0.0.1:$API_PORT
MIGRATION_ENABLED=false
ENV
  )
}

start() {
  mkdir -p "$DIFY_REAL/logs"
  if ! su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D $DIFY_REAL/pgdata status" >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    touch "$DIFY_REAL/logs/postgres.log" && chown postgres "$DIFY_REAL/logs/postgres.log"
    su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D $DIFY_REAL/pgdata -l $DIFY_REAL/logs/postgres.log -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k /tmp' -w start" >/dev/null
  fi
  PGPASSWORD="$(cat "$DIFY_REAL/secrets/db_password")" psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tc \
      "SELECT 1 FROM pg_database WHERE datname='dify'" | grep -q 1 || \
    PGPASSWORD="$(cat "$DIFY_REAL/secrets/db_password")" createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres dify
  if [ ! -f "$DIFY_REAL/redis.pid" ] || ! kill -0 "$(cat "$DIFY_REAL/redis.pid")" 2>/dev/null; then
    log "starting redis-server on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --pidfile "$DIFY_REAL/redis.pid" \
      --dir "$DIFY_REAL" --logfile "$DIFY_REAL/logs/redis.log" --save ''
  fi
  log "flask upgrade-db"
  (cd "$DIFY_REAL/src/api" && "$DIFY_REAL/venv/bin/flask" upgrade-db 2>&1 | tail -2)
  if [ ! -f "$DIFY_REAL/gunicorn.pid" ] || ! kill -0 "$(cat "$DIFY_REAL/gunicorn.pid")" 2>/dev/null; then
    log "starting the API under gunicorn on 127.0.0.1:$API_PORT"
    (cd "$DIFY_REAL/src/api" && "$DIFY_REAL/venv/bin/gunicorn" --bind "127.0.0.1:$API_PORT" --workers 1 \
       --worker-class gevent --timeout 200 --daemon --pid "$DIFY_REAL/gunicorn.pid" \
       --error-logfile "$DIFY_REAL/logs/api.log" --capture-output app:app)
  fi
  for _ in $(seq 1 90); do
    curl -fsS "http://127.0.0.1:$API_PORT/health" >/dev/null 2>&1 && { log "API healthy"; return 0; }
    sleep 2
  done
  log "the API did not answer /health within 180 s; see $DIFY_REAL/logs/api.log"; return 1
}

exercise() {
  mkdir -p "$RECORDED"
  log "running tests/dify/real_dify.yml against http://127.0.0.1:$API_PORT"
  local out="$RECORDED/playbook-output.txt"
  {
    echo "# $(date -u +%FT%TZ) Dify $DIFY_TAG from source, console API http://127.0.0.1:$API_PORT, no plugin daemon"
    echo "# command: ansible-playbook tests/dify/real_dify.yml -e dify_real_url=... -e dify_real_dir=<DIFY_REAL>"
  } > "$out"
  set +e
  (cd "$REPO" && ANSIBLE_CONFIG="$REPO/ansible.cfg" ANSIBLE_NOCOLOR=1 "$VENV/bin/ansible-playbook" -i localhost, \
     -c local "$HERE/real_dify.yml" -e "dify_real_url=http://127.0.0.1:$API_PORT" -e "dify_real_dir=$DIFY_REAL" \
     -e "dify_recorded_dir=$RECORDED" -e "ansible_python_interpreter=$VENV/bin/python" 2>&1) \
     | sed -e "s/$(cat "$INIT_PASSWORD_FILE")/********/g" -e "s/$(cat "$ADMIN_PASSWORD_FILE")/********/g" >> "$out"
  local rc=${PIPESTATUS[0]}
  log "probing the console API for what the contract double plays (tests/dify/real_probe.py)"
  "$VENV/bin/python" "$HERE/real_probe.py" "http://127.0.0.1:$API_PORT" admin@example.com "$ADMIN_PASSWORD_FILE" \
    "$RECORDED/http-probes.json" || rc=1
  # The role, as playbooks/dify_bootstrap.yml runs it, on a fresh Dify twice and once in check mode (no plugin
  # package, no models: what runs without a plugin daemon is setup and login; the later runs must report changed=0).
  reset
  for run in first second check; do
    check=()
    [ "$run" != check ] || check=(--check)
    log "playbooks/dify_bootstrap.yml, $run run"
    {
      echo "# $(date -u +%FT%TZ) playbooks/dify_bootstrap.yml ($run run) against Dify $DIFY_TAG, models [], no plugin package"
      (cd "$REPO" && ANSIBLE_CONFIG="$REPO/ansible.cfg" ANSIBLE_NOCOLOR=1 "$VENV/bin/ansible-playbook" -i localhost, \
         -c local playbooks/dify_bootstrap.yml "${check[@]}" -e "ansible_python_interpreter=$VENV/bin/python" \
         -e "{\"dify_outputs\": {\"console_url\": \"http://127.0.0.1:$API_PORT\", \"admin_email\": \"admin@example.com\",
              \"admin_password_file\": \"$ADMIN_PASSWORD_FILE\", \"init_password_file\": \"$INIT_PASSWORD_FILE\"},
              \"model_serving_outputs\": {\"models\": []}}" 2>&1) || rc=1
    } | sed -e "s/$(cat "$INIT_PASSWORD_FILE")/********/g" -e "s/$(cat "$ADMIN_PASSWORD_FILE")/********/g" \
      > "$RECORDED/role-$run-run.txt"
  done
  grep -q 'changed=0' "$RECORDED/role-second-run.txt" || { log "the second role run changed something"; rc=1; }
  grep -q 'changed=0' "$RECORDED/role-check-run.txt" || { log "the check-mode role run reported a change"; rc=1; }
  set -e
  # Neither password may be anywhere in what is recorded.
  if grep -rqF -e "$(cat "$INIT_PASSWORD_FILE")" -e "$(cat "$ADMIN_PASSWORD_FILE")" "$RECORDED"; then
    log "a password reached $RECORDED: refusing to keep it"; rm -rf "$RECORDED"; return 1
  fi
  log "playbook exit $rc; recorded under $RECORDED"
  return "$rc"
}

reset() {
  # Back to a fresh Dify (no setup, no admin): a new database, an empty Redis, the API restarted.
  stop_pidfile "$DIFY_REAL/gunicorn.pid"
  sleep 3
  PGPASSWORD="$(cat "$DIFY_REAL/secrets/db_password")" dropdb -h 127.0.0.1 -p "$PG_PORT" -U postgres --if-exists --force dify
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" flushall >/dev/null 2>&1 || true
  rm -rf "$DIFY_REAL/storage"
  start
}

stop_pidfile() {  # the process this script started, by the id in its pid file
  if [ -f "$1" ]; then
    kill "$(cat "$1")" 2>/dev/null || true
  fi
}

stop() {
  stop_pidfile "$DIFY_REAL/gunicorn.pid"
  stop_pidfile "$DIFY_REAL/redis.pid"
  su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D $DIFY_REAL/pgdata -m fast stop" >/dev/null 2>&1 || true
  log "stopped"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(install start reset exercise stop)
for s in "${steps[@]}"; do
  case "$s" in install|start|reset|exercise|stop|write_env) "$s" ;; *) echo "unknown step $s"; exit 2 ;; esac
done
