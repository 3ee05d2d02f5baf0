# find_python312: print the path of a working Python 3.12 interpreter, or return 1.
# Order: $SWERL_PYTHON, python3.12 on PATH, pyenv, ~/.pyenv/versions/3.12.*, `uv python find 3.12`, python3.
# Each candidate is run (a pyenv shim on PATH can exist and still fail), so a hit is a real 3.12.

_is_py312() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)' >/dev/null 2>&1; }

find_python312() {
  local c v root
  for c in "${SWERL_PYTHON:-}" "$(command -v python3.12 2>/dev/null)"; do
    _is_py312 "$c" && { echo "$c"; return 0; }
  done
  if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -t. -k3,3nr); do
      root=$(pyenv prefix "$v" 2>/dev/null) && _is_py312 "$root/bin/python3.12" && { echo "$root/bin/python3.12"; return 0; }
    done
  fi
  for c in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.* /root/.pyenv/versions/3.12.* 2>/dev/null | sort -t. -k3,3nr); do
    _is_py312 "$c/bin/python3.12" && { echo "$c/bin/python3.12"; return 0; }
  done
  if command -v uv >/dev/null 2>&1; then
    c=$(uv python find 3.12 2>/dev/null) && _is_py312 "$c" && { echo "$c"; return 0; }
  fi
  c=$(command -v python3 2>/dev/null) && _is_py312 "$c" && { echo "$c"; return 0; }
  return 1
}

PY312_HELP="no Python 3.12 found (harbor needs >=3.12, verl <3.13). Get one with ONE of:
    pyenv install 3.12            (then re-run; setup finds pyenv versions itself)
    uv python install 3.12        (uv: https://docs.astral.sh/uv/ — or: pip install uv)
    apt-get install python3.12-venv   (where your distribution ships it)
  or point SWERL_PYTHON=/path/to/python3.12 at an interpreter you already have."
