"""Sandbox base images without a registry.

- `swerl/base:bookworm`: pulled when a registry answers, else debootstrap (minbase + python3, git,
  ca-certificates, tmux, procps, coreutils) + `docker import`. tmux is there for terminus-2.
- `swerl/base-py:bookworm`: base + pytest and its deps, unpacked from wheels the host downloads
  (`pip download`, pure-python wheels for the image's Python 3.11) — no network inside any build.
Both are idempotent: an existing image is kept unless `force`.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from pathlib import Path

BASE = "swerl/base:bookworm"
BASE_PY = "swerl/base-py:bookworm"
ROOTFS = Path("/var/cache/swerl/rootfs")
WHEELS = Path("/var/cache/swerl/wheels")
PACKAGES = "python3,git,ca-certificates,tmux,procps"
PY_WHEELS = ["pytest"]
IMAGE_PYTHON = "3.11"  # Debian bookworm's python3


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def _debian_mirror() -> str:
    """The host's own Debian mirror (the only package source reachable here)."""
    for f in [*glob.glob("/etc/apt/sources.list.d/*"), "/etc/apt/sources.list"]:
        try:
            text = Path(f).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            for word in line.split():
                if word.startswith(("http://", "https://")) and "security" not in word:
                    return word.rstrip("/")
    raise RuntimeError("no Debian mirror found in /etc/apt/sources.list*: add one or pass --mirror")


def _try_pull() -> bool:
    return subprocess.run(["docker", "pull", "debian:bookworm-slim"], capture_output=True, timeout=60).returncode == 0


def build_base(force: bool = False, mirror: str = "", log=print) -> str:
    if image_exists(BASE) and not force:
        log(f"{BASE} present (use --force to rebuild)")
        return BASE
    if _try_pull():
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "Dockerfile").write_text(
                "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends "
                f"{PACKAGES.replace(',', ' ')} && rm -rf /var/lib/apt/lists/*\n")
            subprocess.run(["docker", "build", "-t", BASE, d], check=True)
        return BASE
    if not shutil.which("debootstrap"):
        raise RuntimeError("no registry and no debootstrap: apt-get install -y debootstrap")
    if force or not (ROOTFS / "usr/bin/python3").exists():
        shutil.rmtree(ROOTFS, ignore_errors=True)
        ROOTFS.parent.mkdir(parents=True, exist_ok=True)
        log(f"debootstrap bookworm → {ROOTFS} (~60 s)")
        subprocess.run(["debootstrap", "--variant=minbase", f"--include={PACKAGES}", "bookworm", str(ROOTFS),
                        mirror or _debian_mirror()], check=True, capture_output=True)
    log(f"docker import {ROOTFS} → {BASE}")
    tar = subprocess.Popen(["tar", "-C", str(ROOTFS), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "import", "-", BASE], stdin=tar.stdout, check=True, capture_output=True)
    tar.wait()
    return BASE


def fetch_wheels(dest: Path = WHEELS) -> list[Path]:
    """Pure-python wheels for the image's Python, downloaded on the host (the only place with PyPI access)."""
    dest.mkdir(parents=True, exist_ok=True)
    have = sorted(dest.glob("pytest-*.whl"))
    if not have:
        pip = shutil.which("pip3") or shutil.which("pip")
        cmd = ([pip] if pip else ["python3", "-m", "pip"]) + [
            "download", "--only-binary", ":all:", "--python-version", IMAGE_PYTHON,
            "--platform", "any", "--platform", "manylinux2014_x86_64", "-d", str(dest), *PY_WHEELS]
        subprocess.run(cmd, check=True, capture_output=True)
    return sorted(dest.glob("*.whl"))


def build_base_py(force: bool = False, log=print) -> str:
    if image_exists(BASE_PY) and not force:
        log(f"{BASE_PY} present (use --force to rebuild)")
        return BASE_PY
    wheels = fetch_wheels()
    with tempfile.TemporaryDirectory() as d:
        wd = Path(d) / "wheels"
        wd.mkdir()
        for w in wheels:
            shutil.copy(w, wd)
        # No pip in the image: a wheel is a zip laid out for site-packages, so unpacking it is installing it.
        (Path(d) / "Dockerfile").write_text(
            f"FROM {BASE}\nCOPY wheels/ /tmp/wheels/\n"
            "RUN python3 -c \"import glob, site, zipfile; d = site.getsitepackages()[0]; "
            "[zipfile.ZipFile(w).extractall(d) for w in glob.glob('/tmp/wheels/*.whl')]\" "
            "&& rm -rf /tmp/wheels && python3 -m pytest --version\n")
        log(f"building {BASE_PY} (pytest from {len(wheels)} host wheels)")
        subprocess.run(["docker", "build", "--network", "none", "-t", BASE_PY, d], check=True, capture_output=True)
    return BASE_PY


# --- mini-swe-agent, offline -----------------------------------------------------------------------
# Harbor's installer downloads uv, a Python and the package at trial start (no network in sandboxes). Instead the
# host downloads the wheels once (cp311 = bookworm's python3) and unpacks them into a dir that trials mount
# read-only at MSWEA_TARGET, with a launcher mounted at /usr/local/bin/mini-swe-agent.
MSWEA_WHEELS = Path("/var/cache/swerl/wheels-mswea")
MSWEA_DIR = Path("/var/cache/swerl/mswea")
MSWEA_TARGET = "/opt/swerl-mswea"
MSWEA_LAUNCHER = f"""#!/bin/sh
# swerl: mini-swe-agent unpacked from host-downloaded wheels (mounted read-only; no network needed)
export PYTHONPATH="{MSWEA_TARGET}/site${{PYTHONPATH:+:$PYTHONPATH}}"
exec python3 -c 'import sys; sys.argv[0] = "mini-swe-agent"; from minisweagent.run.mini import app; app()' "$@"
"""


def ensure_mswea(version: str = "", log=print) -> Path:
    """Host dir with `site/` (unpacked wheels) and `bin/mini-swe-agent`; built once."""
    import zipfile

    launcher = MSWEA_DIR / "bin" / "mini-swe-agent"
    if launcher.is_file() and (MSWEA_DIR / "site" / "minisweagent").is_dir():
        return MSWEA_DIR
    MSWEA_WHEELS.mkdir(parents=True, exist_ok=True)
    if not list(MSWEA_WHEELS.glob("mini_swe_agent-*.whl")):
        pip = shutil.which("pip3") or shutil.which("pip")
        if not pip:
            raise RuntimeError("mini-swe-agent offline needs pip on the host to download wheels: apt-get install python3-pip")
        log(f"pip download mini-swe-agent{version and '==' + version} → {MSWEA_WHEELS}")
        plats = [a for p in ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "any")
                 for a in ("--platform", p)]
        subprocess.run([pip, "download", "--only-binary", ":all:", "--python-version", IMAGE_PYTHON,
                        "--implementation", "cp", *plats, "-d", str(MSWEA_WHEELS),
                        f"mini-swe-agent{'==' + version if version else ''}"], check=True, capture_output=True)
    tmp = MSWEA_DIR.with_name(MSWEA_DIR.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    site = tmp / "site"
    site.mkdir(parents=True)
    for w in sorted(MSWEA_WHEELS.glob("*.whl")):  # a wheel is a zip laid out for site-packages
        zipfile.ZipFile(w).extractall(site)
    for data in site.glob("*.data"):
        for sub in ("purelib", "platlib"):
            if (data / sub).is_dir():
                shutil.copytree(data / sub, site, dirs_exist_ok=True)
    (tmp / "bin").mkdir()
    (tmp / "bin" / "mini-swe-agent").write_text(MSWEA_LAUNCHER)
    (tmp / "bin" / "mini-swe-agent").chmod(0o755)
    shutil.rmtree(MSWEA_DIR, ignore_errors=True)
    tmp.rename(MSWEA_DIR)
    log(f"mini-swe-agent unpacked → {MSWEA_DIR}")
    return MSWEA_DIR
