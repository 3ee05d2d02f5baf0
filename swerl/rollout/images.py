"""Sandbox base images without a registry.

- `swerl/base:bookworm`: pulled when a registry answers, else debootstrap (minbase + python3, git,
  ca-certificates, tmux, procps, coreutils) + `docker import`. tmux is there for terminus-2.
- `swerl/base-py:bookworm`: base + pytest and its deps, unpacked from wheels the host downloads
  (`pip download`, pure-python wheels for the image's Python 3.11) — no network inside any build.
Both are idempotent: an existing image is kept unless `force`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from swerl.rollout.apt_mirror import find_debian_mirror

BASE = "swerl/base:bookworm"
BASE_PY = "swerl/base-py:bookworm"
SUITE = "bookworm"
ROOTFS = Path("/var/cache/swerl/rootfs")
ROOTFS_MARKER = ".swerl-rootfs"
WHEELS = Path("/var/cache/swerl/wheels")
PACKAGES = "python3,git,ca-certificates,tmux,procps"
PY_WHEELS = ["pytest"]
IMAGE_PYTHON = "3.11"  # Debian bookworm's python3


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def _try_pull() -> bool:
    return subprocess.run(["docker", "pull", "debian:bookworm-slim"], capture_output=True, timeout=60).returncode == 0


def recipe() -> str:
    """What a base image is built from; an image or rootfs made by another recipe is rebuilt."""
    return hashlib.sha256(f"{SUITE}|{PACKAGES}".encode()).hexdigest()[:12]


def image_recipe(tag: str) -> str:
    out = subprocess.run(
        ["docker", "image", "inspect", "--format", '{{index .Config.Labels "swerl.recipe"}}', tag],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() if out.returncode == 0 else ""


def base_current(tag: str = BASE) -> bool:
    """The image exists and was built by today's recipe (an import is atomic, so present = complete)."""
    return image_recipe(tag) == recipe()


def rootfs_complete(rootfs: Path = ROOTFS) -> bool:
    """A debootstrap that finished: its marker (written after debootstrap returned 0) names today's recipe."""
    marker = rootfs / ROOTFS_MARKER
    try:
        return marker.read_text().strip() == recipe() and (rootfs / "usr/bin/python3").exists()
    except OSError:
        return False


def debootstrap(rootfs: Path = ROOTFS, mirror: str = "", log=print) -> Path:
    """Build the rootfs in a sibling dir and rename it into place: an interrupted run leaves no partial rootfs."""
    if not shutil.which("debootstrap"):
        raise RuntimeError("no registry and no debootstrap: apt-get install -y debootstrap")
    url = find_debian_mirror(mirror, SUITE)
    tmp = rootfs.with_name(rootfs.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    log(f"debootstrap {SUITE} from {url} → {rootfs} (~60 s)")
    r = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={PACKAGES}", SUITE, str(tmp), url],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        tail = (r.stdout + r.stderr).strip().splitlines()[-1:] or ["(no output)"]
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(
            f"debootstrap {SUITE} from {url} failed: {tail[0]} — check the mirror "
            f"(override: --mirror URL or SWERL_DEBIAN_MIRROR)"
        )
    (tmp / ROOTFS_MARKER).write_text(recipe() + "\n")
    shutil.rmtree(rootfs, ignore_errors=True)
    tmp.rename(rootfs)
    return rootfs


def build_base(force: bool = False, mirror: str = "", log=print) -> str:
    if base_current() and not force:
        log(f"{BASE} present (recipe {recipe()}; use --force to rebuild)")
        return BASE
    if image_exists(BASE):
        log(f"{BASE} exists but is not from recipe {recipe()} — rebuilding")
    label = f"LABEL swerl.recipe={recipe()}"
    if _try_pull():
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "Dockerfile").write_text(
                f"FROM debian:{SUITE}-slim\nRUN apt-get update && apt-get install -y --no-install-recommends "
                f"{PACKAGES.replace(',', ' ')} && rm -rf /var/lib/apt/lists/*\n{label}\n"
            )
            subprocess.run(["docker", "build", "-t", BASE, d], check=True)
        return BASE
    if force or not rootfs_complete():
        if ROOTFS.exists() and not force:
            log(f"{ROOTFS} is incomplete or from another recipe — rebuilding it")
        debootstrap(ROOTFS, mirror, log)
    log(f"docker import {ROOTFS} → {BASE}")
    tar = subprocess.Popen(
        ["tar", "-C", str(ROOTFS), "--exclude", f"./{ROOTFS_MARKER}", "-c", "."], stdout=subprocess.PIPE
    )
    r = subprocess.run(
        ["docker", "import", "--change", label, "-", BASE], stdin=tar.stdout, capture_output=True, text=True
    )
    tar.wait()
    if r.returncode != 0 or tar.returncode != 0:
        raise RuntimeError(f"docker import of {ROOTFS} failed: {r.stderr.strip()[:200]} — rerun with --force")
    return BASE


def tag(src: str, dst: str) -> None:
    r = subprocess.run(["docker", "tag", src, dst], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"docker tag {src} {dst} failed: {r.stderr.strip()[:200]} — check harbor_agent.base_image")


def wheels_valid(dest: Path) -> bool:
    """Every wheel is a readable zip and each of PY_WHEELS is there (a torn download is not a cache)."""
    import zipfile

    wheels = sorted(dest.glob("*.whl"))
    if not all(any(w.name.lower().startswith(p + "-") for w in wheels) for p in PY_WHEELS):
        return False
    try:
        return all(zipfile.ZipFile(w).testzip() is None for w in wheels)
    except (OSError, zipfile.BadZipFile):
        return False


def fetch_wheels(dest: Path = WHEELS) -> list[Path]:
    """Pure-python wheels for the image's Python, downloaded on the host (the only place with PyPI access),
    into a sibling dir renamed into place once pip succeeded."""
    if not wheels_valid(dest):
        tmp = dest.with_name(dest.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        pip = shutil.which("pip3") or shutil.which("pip")
        cmd = ([pip] if pip else ["python3", "-m", "pip"]) + [
            "download",
            "--only-binary",
            ":all:",
            "--python-version",
            IMAGE_PYTHON,
            "--platform",
            "any",
            "--platform",
            "manylinux2014_x86_64",
            "-d",
            str(tmp),
            *PY_WHEELS,
        ]
        subprocess.run(cmd, check=True, capture_output=True)
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
    return sorted(dest.glob("*.whl"))


def py_recipe() -> str:
    """base-py is rebuilt when the base image (its id) or the wheel list changes."""
    base_id = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", BASE], capture_output=True, text=True
    ).stdout.strip()
    return hashlib.sha256(f"{base_id}|{','.join(PY_WHEELS)}".encode()).hexdigest()[:12]


def build_base_py(force: bool = False, log=print) -> str:
    want = py_recipe()
    if image_recipe(BASE_PY) == want and not force:
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
            'RUN python3 -c "import glob, site, zipfile; d = site.getsitepackages()[0]; '
            "[zipfile.ZipFile(w).extractall(d) for w in glob.glob('/tmp/wheels/*.whl')]\" "
            f"&& rm -rf /tmp/wheels && python3 -m pytest --version\nLABEL swerl.recipe={want}\n"
        )
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


def mswea_ready(root: Path = MSWEA_DIR) -> bool:
    """The unpacked install is complete: its launcher and the package."""
    return (root / "bin" / "mini-swe-agent").is_file() and (root / "site" / "minisweagent").is_dir()


def ensure_mswea(version: str = "", log=print) -> Path:
    """Host dir with `site/` (unpacked wheels) and `bin/mini-swe-agent`; built once."""
    import zipfile

    if mswea_ready(MSWEA_DIR):
        return MSWEA_DIR
    if not list(MSWEA_WHEELS.glob("mini_swe_agent-*.whl")):  # the dir appears only after pip succeeded
        pip = shutil.which("pip3") or shutil.which("pip")
        if not pip:
            raise RuntimeError(
                "mini-swe-agent offline needs pip on the host to download wheels: apt-get install python3-pip"
            )
        part = MSWEA_WHEELS.with_name(MSWEA_WHEELS.name + ".partial")
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        log(f"pip download mini-swe-agent{version and '==' + version} → {MSWEA_WHEELS}")
        plats = [
            a
            for p in ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "any")
            for a in ("--platform", p)
        ]
        subprocess.run(
            [
                pip,
                "download",
                "--only-binary",
                ":all:",
                "--python-version",
                IMAGE_PYTHON,
                "--implementation",
                "cp",
                *plats,
                "-d",
                str(part),
                f"mini-swe-agent{'==' + version if version else ''}",
            ],
            check=True,
            capture_output=True,
        )
        shutil.rmtree(MSWEA_WHEELS, ignore_errors=True)
        part.rename(MSWEA_WHEELS)
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


# --- imported tasks: prebuilt images with git history cut at base_commit ----------------------------------------
# SWE-style images clone the whole upstream repo and check out base_commit: the fix commit, later tags and the
# remote are still reachable (`git log --all`, `git show <fix>`), a known reward hack. The import-built image
# adds one layer on top that keeps base_commit (same hash, so graders can `git checkout <base> -- file`) as a
# shallow root, deletes every ref, remote, reflog and stash, and prunes every unreachable object. The source
# image's layer still holds the old objects, but a container sees only the merged filesystem.
HARDEN_RECIPE = "1"
HARDEN_SCRIPT = r"""set -e
cd {workdir}
git config --global --add safe.directory {workdir} >/dev/null 2>&1 || true
git cat-file -e {base}^{{commit}} 2>/dev/null || {{ echo "swerl: base_commit {base} is not in the repo at {workdir}"; exit 3; }}
git -c advice.detachedHead=false checkout -q -f --detach {base}
git for-each-ref --format='%(refname)' | while read -r r; do git update-ref -d "$r"; done
for r in $(git remote); do git remote remove "$r"; done
rm -f .git/FETCH_HEAD .git/ORIG_HEAD .git/MERGE_HEAD .git/objects/info/alternates
git rev-parse HEAD > .git/shallow
git reflog expire --expire=now --all
git -c gc.reflogExpire=now -c gc.pruneExpire=now gc -q --prune=now
test "$(git rev-list --all | wc -l)" = 1
"""


def image_id(tag: str) -> str:
    r = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", tag], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


def harden_tag(src: str, workdir: str, base_commit: str, name: str) -> str:
    h = hashlib.sha256(f"{image_id(src)}|{workdir}|{base_commit}|{HARDEN_RECIPE}".encode()).hexdigest()[:12]
    repo = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("._-")[:100] or "task"
    return f"swerl-import/{repo}:{h}"


def harden_image(src: str, workdir: str, base_commit: str, name: str, log=print) -> str:
    """`src` + one layer whose repo at `workdir` has no history beyond `base_commit` (built once per source image id,
    workdir and commit; offline: --network none). Raises RuntimeError with the build's last line."""
    tag = harden_tag(src, workdir, base_commit, name)
    if image_exists(tag):
        return tag
    if not re.fullmatch(r"[0-9a-fA-F]{7,40}", base_commit):
        raise RuntimeError(f"base_commit {base_commit!r} is not a git commit hash")
    script = HARDEN_SCRIPT.format(workdir=shlex.quote(workdir), base=base_commit)
    dockerfile = (
        f"FROM {src}\nRUN {json.dumps(['bash', '-c', script])}\n"
        f"LABEL swerl.import.source={json.dumps(src)} swerl.import.base_commit={base_commit} "
        f"swerl.recipe=harden-{HARDEN_RECIPE}\n"
    )
    log(f"building {tag} from {src} (git history cut at {base_commit[:12]})")
    r = subprocess.run(
        ["docker", "build", "--network", "none", "-q", "-t", tag, "-"], input=dockerfile, capture_output=True, text=True
    )
    if r.returncode != 0:
        lines = [x for x in (r.stdout + r.stderr).strip().splitlines() if x.strip()]
        # the script's own message (BuildKit prefixes step output; the echo command itself is not the message)
        ours = [x[x.index("swerl: ") + 7 :] for x in lines if "swerl: " in x and "echo" not in x]
        why = ours[-1] if ours else (lines[-1] if lines else "(no output)")
        raise RuntimeError(f"hardening {src} failed: {why.strip()[:200]}")
    return tag


# --- the images an index needs ---------------------------------------------------------------------------------------
def task_image(task: Path) -> str:
    """The prebuilt image a task runs on (`[environment] docker_image` in task.toml); "" when the task builds its
    own environment/Dockerfile (the Docker sandbox builds a Dockerfile when there is one)."""
    import tomllib

    try:
        env = tomllib.loads((Path(task) / "task.toml").read_text()).get("environment") or {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return ""
    image = str(env.get("docker_image") or "")
    return "" if not image or (Path(task) / "environment" / "Dockerfile").is_file() else image


def needed_images(tasks: list[Path]) -> dict[str, list[str]]:
    """image → the names of the tasks that run on it (tasks that build a Dockerfile need none)."""
    out: dict[str, list[str]] = {}
    for t in tasks:
        if image := task_image(t):
            out.setdefault(image, []).append(Path(t).name)
    return out


def _full(ref: str) -> str:
    """`repo` → `repo:latest` (a digest reference stays as it is)."""
    last = ref.rsplit("/", 1)[-1]
    return ref if "@" in ref or ":" in last else f"{ref}:latest"


def missing_images(client, images: list[str]) -> list[str]:
    """The images a docker daemon (docker SDK client) does not hold; one listing call, no pulls."""
    have: set[str] = set()
    for img in client.images.list():
        have.update(img.tags)
        have.update(getattr(img, "attrs", {}).get("RepoDigests") or [])
    return [i for i in images if _full(i) not in have and i not in have]
