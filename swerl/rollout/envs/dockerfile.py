"""Replay a task Dockerfile's simple steps on a started sandbox (for backends that cannot build images).

The local-process and Kubernetes sandboxes start from a prebuilt base image (or the host) and then apply
the subset of instructions our tasks use: `WORKDIR`, `COPY`/`ADD` of local files (a trailing `/` on the
destination, or a source dir, copies *into* it), `ENV`, `RUN`. `FROM` names the base image; `USER`, `CMD`,
`ENTRYPOINT`, `EXPOSE`, `LABEL`, … are ignored.
"""

from __future__ import annotations

import shlex
from pathlib import Path, PurePosixPath
from typing import Any


def steps(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, rest) per logical line (continuations joined, comments dropped)."""
    out, buf = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        buf += s
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def base_image(dockerfile: Path) -> str:
    for word, rest in steps(dockerfile.read_text()):
        if word == "FROM":
            return [a for a in rest.split() if not a.startswith("--")][0]
    raise ValueError(f"{dockerfile}: no FROM line")


async def apply(env: Any, dockerfile: Path, workdir: str, env_vars: dict[str, str]) -> str:
    """Run the steps through `env` (a started Harbor environment); ENV lines update `env_vars` in place.
    Returns the final WORKDIR."""
    cwd = workdir
    for word, rest in steps(dockerfile.read_text()):
        if word == "WORKDIR":
            cwd = str(PurePosixPath(cwd) / rest)
            await env.exec(f"mkdir -p {shlex.quote(cwd)}", cwd="/", user="root")
        elif word == "ENV":
            pairs = shlex.split(rest)
            if pairs and "=" not in pairs[0]:
                pairs = [f"{pairs[0]}={' '.join(pairs[1:])}"]
            env_vars.update(p.split("=", 1) for p in pairs if "=" in p)
        elif word in ("COPY", "ADD"):
            *srcs, dst = [a for a in shlex.split(rest) if not a.startswith("--")]
            dst_abs = dst if dst.startswith("/") else str(PurePosixPath(cwd) / dst)
            for src in srcs:
                s = (dockerfile.parent / src).resolve()
                if s.is_dir():
                    await env.upload_dir(s, dst_abs)
                elif dst.endswith("/") or len(srcs) > 1:
                    await env.upload_file(s, f"{dst_abs.rstrip('/')}/{s.name}")
                else:
                    await env.upload_file(s, dst_abs)
        elif word == "RUN":
            r = await env.exec(rest, cwd=cwd, user="root")
            if r.return_code != 0:
                raise RuntimeError(
                    f"Dockerfile RUN {rest[:80]!r} failed in the sandbox: {(r.stderr or r.stdout or '')[-300:]}"
                )
    return cwd
