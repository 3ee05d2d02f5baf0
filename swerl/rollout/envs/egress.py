"""Sandbox egress guard for Docker sandboxes (`harbor_agent.sandbox_egress: proxy_only`).

Measured on docker 20.10: an `--internal` network alone is NOT enough — its containers still reach every
address of the host itself (the bridge's gateway IP, docker0, eth0: packets to the host go through INPUT, which
Docker's isolation rules do not touch), so anything listening on 0.0.0.0 there, or a forwarder on the host, is
a way out. Here each run gets one network `swerl-sbx-<run>` created `internal` AND with
`com.docker.network.bridge.inhibit_ipv4` (the bridge gets no address: the host is not on that network at all),
plus one relay container per proxy target: on that network and on the ordinary one (`bridge`, or the env's
`network`), running a TCP forwarder from its own `:<port>` to the proxy and nothing else. Sandboxes resolve
`host.docker.internal` to the relay, so the agent URL `http://host.docker.internal:<port>` reaches the proxy;
every other address (the host, the internet, DNS) is unreachable. With no proxy target (host-side agents:
swerl-bash, terminus-2, oracle, nop) no relay is started: no egress at all.

Sandboxes of one run can reach each other (they share the network). The relay and network carry
`swerl.run=<run>` so `swerl clean` / a run's end remove them with the run's containers; `teardown()` removes
them by hand. The relay runs `harbor_agent.base_image` (needs python3: swerl/base has it). Works on a remote
daemon too (the relay forwards from there to the proxy address the sandboxes were given).
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

EGRESS_MODES = ("open", "proxy_only")
LABEL_RUN = "swerl.run"
LABEL_ROLE = "swerl.role"
_LOCKS: dict[tuple, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()

# One asyncio TCP forwarder: every connection to :LISTEN is piped to HOST:PORT. stdlib only.
RELAY_PY = r"""
import asyncio, sys
HOST, PORT, LISTEN = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def pipe(r, w):
    try:
        while True:
            d = await r.read(65536)
            if not d:
                break
            w.write(d)
            await w.drain()
    except Exception:
        pass
    finally:
        try:
            w.close()
        except Exception:
            pass
async def handle(r, w):
    try:
        ur, uw = await asyncio.open_connection(HOST, PORT)
    except Exception:
        w.close()
        return
    await asyncio.gather(pipe(r, uw), pipe(ur, w))
async def main():
    s = await asyncio.start_server(handle, "0.0.0.0", LISTEN, backlog=1024)
    print("relay ready", flush=True)
    async with s:
        await s.serve_forever()
asyncio.run(main())
"""


def _slug(run_label: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_.-]", "-", run_label or "adhoc")[:48]


def network_name(run_label: str) -> str:
    return f"swerl-sbx-{_slug(run_label)}"


def relay_name(run_label: str, port: int) -> str:
    return f"swerl-relay-{_slug(run_label)}-{port}"


def check_mode(mode: str) -> str:
    if mode not in EGRESS_MODES:
        raise ValueError(f"sandbox_egress={mode!r}: use one of {', '.join(EGRESS_MODES)}")
    return mode


def _lock(*key: Any) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def ensure_network(client: Any, run_label: str) -> str:
    """The run's internal, host-less network (created once; a concurrent creator elsewhere is fine)."""
    import docker

    name = network_name(run_label)
    with _lock(id(client), "net", name):
        if client.networks.list(names=[name]):
            return name
        try:
            client.networks.create(
                name,
                driver="bridge",
                internal=True,
                options={"com.docker.network.bridge.inhibit_ipv4": "true"},
                labels={LABEL_RUN: run_label, LABEL_ROLE: "sandbox-net"},
                check_duplicate=True,
            )
        except docker.errors.APIError as exc:  # created by another process between list and create
            if not client.networks.list(names=[name]):
                raise RuntimeError(f"creating sandbox network {name} failed: {exc}") from exc
    return name


def ensure_relay(client: Any, run_label: str, host: str, port: int, image: str, outside: str = "bridge") -> str:
    """The relay's address on the run's network (started once per run + port; restarted if it died)."""
    import docker

    net = ensure_network(client, run_label)
    name = relay_name(run_label, port)
    with _lock(id(client), "relay", name):
        try:
            c = client.containers.get(name)
            if c.status != "running":
                c.remove(force=True)
                c = None
        except docker.errors.NotFound:
            c = None
        if c is None:
            try:
                c = client.containers.run(
                    image,
                    ["python3", "-c", RELAY_PY, host, str(port), str(port)],
                    name=name,
                    detach=True,
                    init=True,
                    network=outside,
                    labels={LABEL_RUN: run_label, LABEL_ROLE: "proxy-relay"},
                    restart_policy={"Name": "unless-stopped"},
                )
            except docker.errors.ImageNotFound:
                raise RuntimeError(
                    f"egress relay image {image} not on the daemon — build it: swerl sandbox build-base "
                    "(or set harbor_agent.sandbox_egress: open)"
                ) from None
            except docker.errors.APIError as exc:
                if "Conflict" not in str(exc):
                    raise
                c = client.containers.get(name)  # another process started it
            client.networks.get(net).connect(c)
            _wait_ready(c, name)
        c.reload()
        ip = (c.attrs["NetworkSettings"]["Networks"].get(net) or {}).get("IPAddress", "")
        if not ip:  # restarted by another process before its connect
            client.networks.get(net).connect(c)
            c.reload()
            ip = c.attrs["NetworkSettings"]["Networks"][net]["IPAddress"]
        return ip


def _wait_ready(c: Any, name: str, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        c.reload()
        if c.status not in ("created", "running"):
            break
        if b"relay ready" in c.logs():
            return
        time.sleep(0.1)
    tail = c.logs().decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
    raise RuntimeError(
        f"egress relay {name} did not start ({c.status}: {tail[0][:200]}) — harbor_agent.base_image needs python3"
    )


def prepare(
    client: Any, run_label: str, proxy: tuple[str, int] | None, image: str, outside: str = ""
) -> tuple[str, str]:
    """(network for the sandbox, relay address or "" when there is no proxy target)."""
    net = ensure_network(client, run_label)
    if proxy is None:
        return net, ""
    return net, ensure_relay(client, run_label, proxy[0], proxy[1], image, outside or "bridge")


def teardown(client: Any, run_label: str) -> None:
    """Remove the run's relays and network (after its sandboxes are gone)."""
    for c in client.containers.list(
        all=True, filters={"label": [f"{LABEL_RUN}={run_label}", f"{LABEL_ROLE}=proxy-relay"]}
    ):
        c.remove(force=True)
    for n in client.networks.list(names=[network_name(run_label)]):
        n.remove()
