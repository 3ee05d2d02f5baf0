"""`swerl dashboard [summary|start|status|stop|restart|deploy]` — read-only views of training runs."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from swerl.dashboard.control import DEFAULT_PORT

ConfigOpt = typer.Option("config.yaml", "--config", "-c", help="Config file (its output_root holds logs/, trials/).")
RootOpt = typer.Option(None, "--root", help="Run output root; overrides the config's output_root (no config needed).")
PortOpt = typer.Option(None, "--port", "-p", help=f"Port (default: $PORT or {DEFAULT_PORT}).")
HostOpt = typer.Option("127.0.0.1", "--host", help="Bind address (0.0.0.0 to reach it from other machines).")


def _fail(msg: str) -> None:
    typer.echo(f"dashboard: {msg}", err=True)
    raise typer.Exit(1)


def _config(config: str):
    from swerl.config.load import ConfigError, load_config

    try:
        return load_config(config)
    except ConfigError as exc:
        _fail(str(exc))


def _root(config: str, root: Path | None) -> Path:
    if root is not None:
        if not root.is_dir():
            _fail(f"--root {root} is not a directory — pass the run output root (it holds logs/)")
        return root.resolve()
    if not Path(config).exists():
        _fail(f"{config} not found — run from the checkout (config.yaml) or pass --config PATH / --root DIR")
    from swerl.config.paths import RunPaths

    return RunPaths.of(_config(config)).root


def _port(port: int | None) -> int:
    if port is not None:
        return port
    raw = os.environ.get("PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        _fail(f"PORT={raw!r} is not a port number — set PORT=8090 or pass --port N")
    return int(raw)


def register(app: typer.Typer) -> None:
    dash = typer.Typer(help="Training dashboard: text summary, local web UI, static publish.", no_args_is_help=False)
    app.add_typer(dash, name="dashboard")

    @dash.callback(invoke_without_command=True)
    def _default(ctx: typer.Context, config: str = ConfigOpt) -> None:
        """With no subcommand: the summary."""
        if ctx.invoked_subcommand is None:
            summary(config)

    @dash.command()
    def summary(config: str = ConfigOpt) -> None:
        """How is training going: status, config at a glance, newest log, latest ledger row, web UI (read-only)."""
        from swerl.config.paths import RunPaths
        from swerl.dashboard.summary import render

        cfg = _config(config)
        if cfg.meta_info.name != "rl":
            _fail(f"{config} has meta_info.name={cfg.meta_info.name!r}, not 'rl' — run from the rl block's checkout")
        typer.echo(render(cfg, RunPaths.of(cfg), Path.cwd()))

    @dash.command()
    def start(config: str = ConfigOpt, root: Path = RootOpt, port: int = PortOpt, host: str = HostOpt) -> None:
        """Start the web UI in the background (refuses a busy port and names its owner)."""
        from swerl.dashboard import control

        files = control.Files(_root(config, root))
        try:
            rec = control.start(files, host, _port(port))
        except control.DashboardError as exc:
            _fail(str(exc))
        word = "already running" if rec.get("already") else "started"
        typer.echo(
            f"dashboard {word} at {control.url(rec['host'], rec['port'])} (pid {rec['pid']}, log {files.log_file})"
        )
        if host in ("127.0.0.1", "localhost"):
            typer.echo(f"  remote? ssh -L {rec['port']}:127.0.0.1:{rec['port']} <this host>, then open the URL locally")

    @dash.command()
    def status(config: str = ConfigOpt, root: Path = RootOpt) -> None:
        """Is the web UI running and answering /api/config? (exit 0 yes, 3 no)"""
        from swerl.dashboard import control

        rec = control.running(control.Files(_root(config, root)))
        if rec and control.healthy(rec["host"], rec["port"]):
            typer.echo(f"dashboard running at {control.url(rec['host'], rec['port'])} (pid {rec['pid']})")
            return
        if rec:
            typer.echo(
                f"dashboard process {rec['pid']} is alive but /api/config does not answer — `swerl dashboard restart`"
            )
        else:
            typer.echo("dashboard not running — `swerl dashboard start`")
        raise typer.Exit(3)

    @dash.command()
    def stop(config: str = ConfigOpt, root: Path = RootOpt) -> None:
        """Stop the web UI we started (only the recorded pid)."""
        from swerl.dashboard import control

        rec = control.stop(control.Files(_root(config, root)))
        typer.echo(f"dashboard stopped (pid {rec['pid']})" if rec else "dashboard was not running")

    @dash.command()
    def restart(config: str = ConfigOpt, root: Path = RootOpt, port: int = PortOpt, host: str = HostOpt) -> None:
        """Stop, then start."""
        stop(config, root)
        start(config, root, port, host)

    @dash.command()
    def deploy(
        config: str = ConfigOpt,
        root: Path = RootOpt,
        out: Path = typer.Option(
            None, "--out", "-o", help="Where the snapshot goes (default <root>/.swerl/dashboard-export)."
        ),
        run: list[str] = typer.Option(None, "--run", help="Run(s) to include (repeatable); default: all."),
        trajectories: bool = typer.Option(
            True, "--trajectories/--no-trajectories", help="Include per-trial trajectories."
        ),
        project: str = typer.Option("swerl-dashboard", "--project-name", help="Cloudflare Pages project."),
        yes: bool = typer.Option(False, "--yes", "-y", help="Deploy without asking."),
        export_only: bool = typer.Option(False, "--export-only", help="Write the snapshot, never deploy."),
    ) -> None:
        """Export a static snapshot (HTML + JSON) and publish it to Cloudflare Pages with wrangler."""
        from swerl.dashboard import publish

        base = _root(config, root)
        out = out or base / ".swerl" / "dashboard-export"
        try:
            counts = publish.export(base, out, run or None, trajectories)
        except (FileNotFoundError, FileExistsError, KeyError) as exc:
            _fail(str(exc.args[0]) if exc.args else str(exc))
        typer.echo(
            f"exported {counts['runs']} run(s), {counts['steps']} step(s), {counts['trials']} trajectories to {out}"
        )
        if export_only:
            return
        creds, source = publish.credentials()
        if len(creds) < len(publish.REQUIRED):
            typer.echo(publish.missing_help())
            typer.echo(
                f"The export stays at {out} — any static host can serve it (e.g. python -m http.server -d {out})."
            )
            return
        typer.echo("credentials: " + ", ".join(f"{k} set (from {source[k]})" for k in publish.REQUIRED))
        if not yes and not typer.confirm(
            f"Deploy {out} to Cloudflare Pages project '{project}' (public)?", default=False
        ):
            typer.echo(f"not deployed; the export stays at {out}")
            raise typer.Exit(1)
        rc = publish.deploy(out, project, creds, typer.echo)
        if rc != 0:
            _fail(f"wrangler exited with code {rc} — see its output above; the export stays at {out}")
