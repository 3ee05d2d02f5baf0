"""How sandboxes reach the proxy on the host.

Containers on the default bridge reach the host at the bridge's gateway address (docker0, usually
172.17.0.1), aliased `host.docker.internal` (we add `host-gateway`). A proxy listening on loopback only is
NOT reachable from there: for in-sandbox agents (claude-code, mini-swe-agent) the proxy must listen on
`sandbox_proxy_host()` (or 0.0.0.0 on an isolated host). Host-side agents (swerl-bash, terminus-2) use
loopback and need nothing.
"""

from __future__ import annotations

import subprocess


def sandbox_proxy_host(docker_host: str = "") -> str:
    """Address of the host as seen from a container on the default bridge (the docker0 gateway)."""
    if docker_host:
        # Remote daemon: its containers reach *this* host over the network; loopback/bridge addresses mean nothing.
        return "0.0.0.0"
    try:
        out = subprocess.run(
            ["docker", "network", "inspect", "bridge", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "172.17.0.1"


def proxy_target(sandbox_url: str) -> tuple[str, int] | None:
    """(host, port) of the proxy a sandbox agent was given (`http://172.17.0.1:8002` → ("172.17.0.1", 8002)), or
    None when there is none (host-side agents only)."""
    from urllib.parse import urlparse

    if not sandbox_url:
        return None
    u = urlparse(sandbox_url)
    if not u.hostname:
        return None
    return u.hostname, u.port or (443 if u.scheme == "https" else 80)


def via_host_alias(sandbox_url: str, alias: str = "host.docker.internal") -> str:
    """The same proxy URL addressed by the alias (under `sandbox_egress: proxy_only` the alias is the relay:
    swerl.rollout.envs.egress)."""
    from urllib.parse import urlparse

    u = urlparse(sandbox_url)
    port = f":{u.port}" if u.port else ""
    return u._replace(netloc=f"{alias}{port}").geturl()
