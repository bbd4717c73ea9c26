#!/usr/bin/env bash
# The GPU node software checks on a GPU machine whose driver was put there by the machine's image, not by
# packages (what the GPU machines of this project have). From the repository root:
#   bash tests/gpu/run_driver_checks.sh OUTDIR STANDIN_DIR
# STANDIN_DIR is a stand-in repository built beforehand with tests/standins/build_apt_repo.py (the machine has
# no network; it holds TEST-DOUBLE packages with NVIDIA's names for the check-mode plan).
#   1. nvidia_driver_info: what the kernel, NVML, the dynamic linker and dpkg say.
#   2. the nvidia_driver role asked for the running version: no change, validation passes.
#   3. the role with --check --diff asked for 580.95.05 from the "mirror": what it would change; a fingerprint
#      of dpkg, /etc/apt, /etc/modprobe.d and the loaded module is identical before and after.
set -uo pipefail
out="${1:?OUTDIR}"; standin="$(cd "${2:?STANDIN_DIR}" && pwd)"
mkdir -p "$out"; exec > >(tee "$out/summary.txt") 2>&1
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} PATH=/tmp/site/bin:$PATH
fi
export PYTHONUNBUFFERED=1 ANSIBLE_LOCAL_TEMP=/tmp/ansible-local ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
rc=0
fingerprint() {
  { dpkg-query -W -f='${Package} ${Version} ${Status}\n' 2>/dev/null; ls -la /etc/apt /etc/apt/* /etc/modprobe.d 2>/dev/null;
    cat /etc/apt/sources.list.d/* /etc/apt/preferences.d/* 2>/dev/null; cat /sys/module/nvidia/version; } | sha256sum | cut -d' ' -f1
}
running=$(cat /sys/module/nvidia/version)
echo "== machine: $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | sort | uniq -c | tr '\n' ' ')"
echo "== libnvidia-ml known to the linker: $(ldconfig -p 2>/dev/null | grep -c libnvidia-ml) entries"; ldconfig -p 2>/dev/null | grep libnvidia-ml
echo "== 1. nvidia_driver_info"
ansible-playbook tests/gpu/driver_info.yml -e driver_info_out="$out/driver-info.json" > "$out/1-driver-info.log" 2>&1 || rc=1
tail -3 "$out/1-driver-info.log"; cat "$out/driver-info.json"
before=$(fingerprint)
echo "== 2. role asked for the running version ($running), real run"
ansible-playbook tests/gpu/driver.yml -e nvidia_driver_version="$running" > "$out/2-same-version.log" 2>&1 || rc=1
grep -E '"msg"|msg:|nvidia_driver: |changed=|FAILED|fatal' "$out/2-same-version.log" | head -30
if grep -qE 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$out/2-same-version.log"; then
  echo "RESULT 2: changed=0, validation passed"
else
  echo "RESULT 2: FAILED"; rc=1
fi
echo "== 3. role asked for 580.95.05 from the mirror, --check --diff"
ansible-playbook tests/gpu/driver.yml --check --diff -e nvidia_driver_version=580.95.05 -e nvidia_driver_source=mirror \
  -e nvidia_driver_mirror_url="file:$standin/repo/" -e nvidia_driver_mirror_key="$standin/key.asc" > "$out/3-check-other.log" 2>&1 || rc=1
grep -vE '^\s*$' "$out/3-check-other.log" | tail -80
after=$(fingerprint)
if [ "$before" = "$after" ]; then echo "RESULT 3: machine unchanged (fingerprint $before)"; else echo "RESULT 3: MACHINE CHANGED"; rc=1; fi
exit $rc
