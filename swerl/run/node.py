"""`swerl node head | join`: start the head of a multi-node Ray cluster, or join a worker node to it (`ray start`)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import typer
from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)

node_app = typer.Typer(
    help="Multi-node runs (infrastructure.nnodes > 1): start Ray on the head, join each worker to it.",
    no_args_is_help=True,
)


def ray_exe() -> str:
    """The `ray` CLI of this interpreter's environment (the one verl and swerl run in), else the one on PATH."""
    here = Path(sys.executable).parent / "ray"
    return str(here) if here.exists() else (shutil.which("ray") or "ray")


def parse_address(address: str) -> tuple[str, int]:
    """`host:port` → (host, port); ValueError with the fix in one line."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"bad head address {address!r}: give HOST:PORT of the head's Ray (infrastructure.ray_port, e.g. "
            "10.0.0.1:6379)"
        )
    return host, int(port)


def join_command(
    address: str, *, num_gpus: int | None = None, num_cpus: int | None = None, block: bool = True
) -> list[str]:
    cmd = [ray_exe(), "start", f"--address={address}"]
    cmd += [f"--num-gpus={num_gpus}"] if num_gpus is not None else []
    cmd += [f"--num-cpus={num_cpus}"] if num_cpus is not None else []
    return cmd + (["--block"] if block else [])


def head_command(port: int, dashboard_port: int, *, num_gpus: int | None = None, block: bool = False) -> list[str]:
    cmd = [ray_exe(), "start", "--head", f"--port={port}", f"--dashboard-port={dashboard_port}"]
    cmd += [f"--num-gpus={num_gpus}"] if num_gpus is not None else []
    return cmd + (["--block"] if block else [])


def _run(cmd: list[str], dry_run: bool) -> None:
    """Run `ray start …` in the foreground; Ctrl-C reaches it too (it leaves the cluster), SIGTERM is passed on."""
    typer.echo(" ".join(cmd))
    if dry_run:
        return
    try:
        proc = subprocess.Popen(cmd, env=os.environ.copy())
    except FileNotFoundError:
        err.print(f"{cmd[0]} not found: install Ray in this environment (bash scripts/setup_env.sh)", markup=False)
        raise typer.Exit(2) from None
    signal.signal(signal.SIGTERM, lambda *_: proc.send_signal(signal.SIGINT))  # ray start --block: SIGINT = leave
    while True:
        try:
            raise typer.Exit(proc.wait())
        except KeyboardInterrupt:
            continue  # the terminal's Ctrl-C reached `ray start` as well: wait until it has left


@node_app.command()
def join(
    address: str = typer.Argument(..., help="HOST:PORT of the head's Ray (infrastructure.ray_port on the head)."),
    num_gpus: int | None = typer.Option(None, help="GPUs this node offers (default: Ray counts the visible ones)."),
    num_cpus: int | None = typer.Option(None, help="CPUs this node offers (default: all)."),
    block: bool = typer.Option(
        True, "--block/--background", help="Stay in the foreground (Ctrl-C leaves the cluster) or detach."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the `ray start` command, run nothing."),
) -> None:
    """Join THIS host to the head's Ray cluster as a worker node (`ray start --address=HOST:PORT`).

    Run it on every worker before `swerl run` / `swerl train` on the head; the head's preflight (`swerl check`)
    then lists each node with its GPUs and checks that the output root is shared. --background detaches
    (leave with `ray stop` on this host)."""
    try:
        host, port = parse_address(address)
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    from swerl.preflight.checks.cluster import reachable

    if not dry_run and not reachable(f"{host}:{port}", timeout=3.0):
        err.print(
            f"no Ray head answers at {host}:{port}: start it on the head first (`swerl node head`), and check that "
            f"this host reaches {host} on port {port}",
            markup=False,
        )
        raise typer.Exit(1)
    _run(join_command(f"{host}:{port}", num_gpus=num_gpus, num_cpus=num_cpus, block=block), dry_run)


@node_app.command()
def head(
    config: str = typer.Option("config.yaml", "--config", "-c", help="Config file (its infrastructure.ray_port)."),
    num_gpus: int | None = typer.Option(None, help="GPUs the head offers (default: Ray counts the visible ones)."),
    block: bool = typer.Option(False, "--block/--background", help="Stay in the foreground, or detach (default)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the `ray start` command, run nothing."),
) -> None:
    """Start Ray on THIS host as the head of a multi-node cluster, on infrastructure.ray_port; prints the
    `swerl node join` line to run on each worker. Stop it with `ray stop`."""
    from swerl.config.load import ConfigError, load_config
    from swerl.preflight.checks.cluster import local_ip

    try:
        inf = load_config(config).input.infrastructure
    except ConfigError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    err.print(f"then on each worker: swerl node join {local_ip()}:{inf.ray_port}", markup=False)
    _run(head_command(inf.ray_port, inf.ray_dashboard_port, num_gpus=num_gpus, block=block), dry_run)


def register(app: typer.Typer) -> None:
    app.add_typer(node_app, name="node")
