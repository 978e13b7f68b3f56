#!/usr/bin/env bash
# Run hpm's machine detection on a real machine with the system Python and the standard library
# alone (`python3 -S`: no site-packages, so no tomlkit, click, packaging...), then print the raw
# outputs it reads, and compare with the recorded NVIDIA H200 (tests/machine/data/nvidia-h200).
#
#   OUT=/tmp/out bash scripts/device-machine-check.sh     # writes facts.json and friends to $OUT
#
# On a machine without a GPU it must report gpu=none. It never fails on a missing tool.
set -u
cd "$(dirname "$0")/.."
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
PY="$(command -v python3)"
echo "== $("$PY" --version 2>&1) at $PY; $(uname -srm)"

echo "== hpm.machine.detect --json (python3 -S)"
start=$(date +%s%N)
PYTHONPATH=. timeout 120 "$PY" -S -m hpm.machine.detect --json >"$OUT/facts.json" 2>"$OUT/warnings.txt"
echo "exit $? after $((($(date +%s%N) - start) / 1000000)) ms"
cat "$OUT/facts.json"
sed 's/^/stderr: /' "$OUT/warnings.txt"

echo "== hpm.machine.detect (text)"
PYTHONPATH=. timeout 120 "$PY" -S -m hpm.machine.detect 2>&1 | tee "$OUT/facts.txt"

echo "== nvidia-smi --query-gpu=compute_cap,driver_version --format=csv,noheader"
timeout 60 nvidia-smi --query-gpu=compute_cap,driver_version --format=csv,noheader 2>&1 \
    | tee "$OUT/nvidia-smi-query.txt"
echo "== nvidia-smi (first lines)"
timeout 60 nvidia-smi 2>&1 | head -4 | tee "$OUT/nvidia-smi-head.txt"
echo "== cat /sys/module/nvidia/version"
cat /sys/module/nvidia/version 2>&1 | tee "$OUT/sys_module_nvidia_version.txt"
echo "== cat /proc/driver/nvidia/version"
cat /proc/driver/nvidia/version 2>&1 | tee "$OUT/proc_driver_nvidia_version.txt"

echo "== compared with the recorded H200 (driver 580.159.04, CUDA 13.0, compute capability 9.0)"
"$PY" -S - "$OUT/facts.json" <<'PY' | tee "$OUT/compare.txt"
import json, sys
recorded = {"gpu": "nvidia", "cuda": "13.0", "cuda_driver": "580.159.04", "compute_capability": "9.0"}
try:
    facts = json.load(open(sys.argv[1]))
except (OSError, ValueError) as error:
    sys.exit(f"no facts: {error}")
for name, value in recorded.items():
    same = "same" if facts.get(name) == value else "DIFFERS"
    print(f"{name}: detected {facts.get(name)!r} ({facts['sources'][name]}); recorded {value!r}: {same}")
PY
exit 0
