"""The serving stack a trainer boots — gateway → real LiteLLM proxy → the agents' endpoint — in one place for
both engines: the local loop's gateway runs in-process over the trainer's engine; the verl node stack's runs in
its own process over the vLLM replicas (`replica_gateway`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swerl.config.paths import RunPaths
from swerl.config.schema import SwerlConfig


@dataclass
class Serving:
    gateway: object
    """swerl.serve.gateway.server.GatewayServer (in this process) or .process.GatewayProcess (a child)."""
    proxy: object
    """swerl.serve.proxy.process.ProxyProcess (a child process under the parent watchdog)."""
    endpoint: object
    """swerl.rollout.agents.registry.AgentEndpoint: where agents on the host and in sandboxes reach the proxy."""

    def stop(self) -> None:
        self.proxy.stop()
        self.gateway.stop()


def boot(
    cfg: SwerlConfig,
    engine,
    tokenizer,
    paths: RunPaths,
    *,
    max_len: int | None = None,
    gateway_port: int = 0,
    proxy_port: int | None = None,
    state_file: Path | None = None,
    gateway=None,
) -> Serving:
    """Start the gateway over `engine` (or take `gateway`, a started `replica_gateway`), then the proxy (each child
    recorded in the run state with its start time before it is waited for, so a crash during boot leaves nothing
    unaccounted); stops what it started on failure."""
    from swerl.rollout.agents.registry import AgentEndpoint
    from swerl.rollout.network import sandbox_proxy_host
    from swerl.run.state import TrackedProc, update_state
    from swerl.serve.gateway import create_app
    from swerl.serve.gateway.server import GatewayServer
    from swerl.serve.proxy.process import ProxyProcess, master_key_for
    from swerl.serve.stack import gateway_settings

    i = cfg.input
    gw = gateway
    if gw is None:
        gw = GatewayServer(
            create_app(engine, tokenizer, gateway_settings(cfg, paths.trials_dir, max_len)), port=gateway_port
        ).start()
    key = master_key_for(cfg)
    proxy = ProxyProcess(cfg, gw.url, paths.trials_dir, key, state_dir=paths.state_dir, port=proxy_port)
    try:
        proxy.start()
        if state_file is not None:
            children = [("litellm", proxy.proc)] + ([("gateway", gw.proc)] if getattr(gw, "proc", None) else [])
            update_state(
                state_file,
                ports={"litellm": proxy.port, "gateway": gw.port},
                procs=[TrackedProc.of(n, p.pid) for n, p in children],
            )
        if hasattr(gw, "wait_ready"):
            gw.wait_ready()
        proxy.wait_ready()
    except BaseException:
        proxy.stop()
        gw.stop()
        raise
    ep = AgentEndpoint(
        host_url=proxy.base_url,
        sandbox_url=f"http://{sandbox_proxy_host(i.harbor_agent.docker_host)}:{proxy.port}",
        api_key=key,
        model=i.model.served_model_name,
    )
    return Serving(gw, proxy, ep)


def replica_gateway(
    cfg: SwerlConfig, config_path: str, replicas: list[str], model: str, model_dir: str, paths: RunPaths
):
    """The gateway as its own process over HTTP replicas (started, not yet waited for: `boot` records and waits)."""
    from swerl.serve.gateway.process import GatewayProcess

    return GatewayProcess(
        config_path,
        replicas,
        model,
        model_dir,
        log_path=paths.state_dir / "gateway.log",
        trials_root=paths.trials_dir,
    ).start()


def served_name(address: str, configured: str, timeout: float = 30.0) -> str:
    """The model name a vLLM replica answers to: `configured` if it lists it, else the one it lists (verl serves
    the model path unless its prometheus.served_model_name override took, and strips a '/' prefix)."""
    import httpx

    url = address if address.startswith("http") else f"http://{address}"
    try:
        ids = [m["id"] for m in httpx.get(f"{url}/v1/models", timeout=timeout).json().get("data", [])]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return configured
    return configured if configured in ids or not ids else ids[0]
