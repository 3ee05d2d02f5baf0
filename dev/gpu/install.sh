#!/usr/bin/env bash
# On the device: reassemble the pieces in /tmp/chunks, install the wheels into /tmp/site (no index, no
# deps: the closure is complete), add a `swerl` launcher, check imports. Idempotent (stamp).
#   bash dev/gpu/install.sh        (SKIP_IMPORT_CHECK=1: skip the ~30-50 s import check)
set -euo pipefail
T0=$(date +%s)
if [ ! -f /tmp/site/.swerl-installed ]; then
  cat /tmp/chunks/part_* > /tmp/bundle.tar
  rm -rf /tmp/wheels && tar -C /tmp -xf /tmp/bundle.tar && rm -f /tmp/bundle.tar
  echo "reassembled $(ls /tmp/wheels | wc -l) wheels ($(du -sh /tmp/wheels | cut -f1)) in $(( $(date +%s) - T0 ))s"
  if [ -d /tmp/gguf ]; then  # carried model GGUFs (qwen2.5-coder aliases): where swerl's cache looks for them
    mkdir -p /tmp/swerl-cache/gguf && mv /tmp/gguf/*.gguf /tmp/swerl-cache/gguf/ && rmdir /tmp/gguf
    echo "placed $(ls /tmp/swerl-cache/gguf) in /tmp/swerl-cache/gguf"
  fi
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --disable-pip-version-check \
    --target /tmp/site /tmp/wheels/*.whl 2>&1 | grep -v -i "already exists\|WARNING: Target directory" || true
  mkdir -p /tmp/site/bin
  printf '#!/usr/bin/env python3\nfrom swerl.cli import main\nmain()\n' > /tmp/site/bin/swerl
  chmod +x /tmp/site/bin/swerl /tmp/site/bin/* 2>/dev/null || true
  touch /tmp/site/.swerl-installed
fi
echo "installed in $(( $(date +%s) - T0 ))s"
. "$(dirname "$0")/env.sh"
[ -n "${SKIP_IMPORT_CHECK:-}" ] && exit 0
python3 - <<'P'
import importlib, time
for m in ["torch", "transformers", "vllm", "verl", "ray", "litellm", "litellm.proxy.proxy_server", "harbor", "swerl"]:
    t = time.time()
    try:
        mod = importlib.import_module(m)
        print(f"import {m:28s} ok {getattr(mod, '__version__', ''):12s} {time.time() - t:5.1f}s", flush=True)
    except Exception as e:
        print(f"import {m:28s} FAILED {type(e).__name__}: {str(e)[:300]}", flush=True)
P
echo "install+imports in $(( $(date +%s) - T0 ))s"
