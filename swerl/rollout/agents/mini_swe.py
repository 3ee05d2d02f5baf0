"""mini-swe-agent without network at trial start.

Harbor's `MiniSweAgent.install` fetches uv, a Python 3.12 and the package from the internet inside the sandbox;
sandboxes have none. Here the package is unpacked on the host from wheels (`swerl.rollout.images.ensure_mswea`:
`pip download` for the image's Python 3.11) and mounted read-only into the sandbox with a launcher on PATH, so
`install` only checks it is there. Everything else (command line, trajectory → ATIF) is Harbor's.
Needs a sandbox image with python3 == 3.11 (the swerl/base images); not supported by the local-process sandbox.
"""

from __future__ import annotations

from harbor.agents.installed.mini_swe_agent import MiniSweAgent
from harbor.environments.base import BaseEnvironment


class OfflineMiniSweAgent(MiniSweAgent):
    def get_version_command(self) -> str | None:
        return "mini-swe-agent --help 2>/dev/null | head -1"

    async def install(self, environment: BaseEnvironment) -> None:
        r = await environment.exec("command -v mini-swe-agent && mini-swe-agent --help >/dev/null 2>&1")
        if r.return_code != 0:
            raise RuntimeError(
                "mini-swe-agent is not available in the sandbox (expected the read-only mount from "
                "swerl.rollout.images.ensure_mswea and python3 3.11 in the image): "
                f"{(r.stderr or r.stdout or '').strip()[-300:]}"
            )
