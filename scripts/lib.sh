# shellcheck shell=bash
# Shared settings for the scripts in this folder. Source it; do not run it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PRIVATEAI_VENV:-$REPO_ROOT/.venv}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$REPO_ROOT/lab/containers.conf}"
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$REPO_ROOT/ansible.cfg}"

# shellcheck disable=SC2034  # used by the scripts that source this file (lab-image, lab)
LAB_ROOTFS_IMAGE="localhost/privateai-debian12-rootfs:latest"
LAB_IMAGE="${LAB_IMAGE:-localhost/privateai-debian12-systemd:latest}"
LAB_PREFIX="${LAB_PREFIX:-privateai-lab}"
# shellcheck disable=SC2034  # used by scripts/lab: one label per lab, so labs do not touch each other
LAB_LABEL="io.privateai.lab=${LAB_PREFIX}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root (apt and podman need it); found uid $(id -u)"
}

# The Debian mirror this machine already uses, so the lab needs no other network access.
debian_mirror() {
  if [ -n "${LAB_DEBIAN_MIRROR:-}" ]; then echo "$LAB_DEBIAN_MIRROR"; return; fi
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

activate_venv() {
  [ -x "$VENV/bin/ansible-playbook" ] || die "no virtual environment at $VENV: run scripts/bootstrap first"
  # shellcheck disable=SC1091
  . "$VENV/bin/activate"
}
