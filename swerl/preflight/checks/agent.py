"""Agent: the harness named by `harbor_agent.agent_name` can run on this backend, and its offline install is
built. mini-swe-agent and the OpenHands SDK run from a host dir mounted read-only into the sandbox, which only
local Docker sandboxes take (a remote daemon or a pod cannot see this host's disk). Reads the cache dirs only."""

from __future__ import annotations

from pathlib import Path

from swerl.models import backend as backends
from swerl.preflight.context import Context
from swerl.preflight.report import Report

MOUNTED = {
    "mini-swe-agent": "swerl sandbox build-base --mswea",
    "openhands-sdk": "swerl sandbox build-base --ohsdk",
}
"""Agents installed by a read-only host mount → the command that builds that install ahead of the first trial."""


def _built(name: str) -> tuple[bool, Path]:
    if name == "openhands-sdk":
        from swerl.rollout.ohsdk_assets import OHSDK_DIR, ohsdk_ready

        return ohsdk_ready(OHSDK_DIR), OHSDK_DIR
    from swerl.rollout.images import MSWEA_DIR, mswea_ready

    return mswea_ready(MSWEA_DIR), MSWEA_DIR


def run(ctx: Context, r: Report) -> None:
    ha = ctx.i.harbor_agent
    if ha.agent_import_path:
        r.ok("agent", f"{ha.agent_import_path} (agent_import_path; its install is its own)")
        return
    name = ha.agent_name
    if name not in MOUNTED:
        r.ok("agent", name)
        return
    kind = backends.of(ctx.cfg).kind
    if kind != "docker":
        r.fail(
            "agent",
            f"{name} runs from a host dir mounted into each sandbox, which {kind} sandboxes cannot take — use "
            'local Docker sandboxes (harbor_agent.environment_import_path: docker, docker_host: ""), or an agent '
            "that needs no mount (claude-code, swerl-bash, terminus-2)",
        )
        return
    ok, where = _built(name)
    if ok:
        r.ok("agent", f"{name} (offline install at {where})")
    else:
        r.warn(
            "agent",
            f"{name}'s offline install is not built yet ({where}): the first trial builds it from PyPI "
            f"(openhands-sdk: ~3 min, ~800 MB) — or build it now: {MOUNTED[name]}",
        )
