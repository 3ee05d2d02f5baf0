"""CLI of the run layer: `swerl run | status | stop | archive start|finish | clean`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
import yaml
from rich.console import Console

from swerl.config.load import ConfigError, load_config
from swerl.config.paths import RunPaths

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
ConfigOpt = typer.Option("config.yaml", "--config", "-c", help="Config file.")


def _clean_other_nodes(cfg, config: str, dry_run: bool) -> None:
    """`swerl clean --nodes`: `swerl clean --this-node` on every other node (refused while our run is live, as
    here); each node's lines come back prefixed with its host. A node that fails stops nothing else."""
    from swerl.run import clean as c
    from swerl.run.fanout import FanoutError, on_other_nodes

    try:
        c.refuse_if_live(RunPaths.of(cfg, ""))
    except c.CleanRefused as exc:
        err.print(f"clean: refused — {exc}", markup=False)
        raise typer.Exit(1) from None
    try:
        replies = on_other_nodes(
            ["clean", "--config", str(Path(config).resolve()), "--this-node", *(["--dry-run"] if dry_run else [])]
        )
    except FanoutError as exc:
        err.print(f"clean --nodes: {exc}", markup=False)
        raise typer.Exit(1) from None
    if not replies:
        console.print("no other node in the cluster", markup=False)
    for r in replies:
        for line in r.output.splitlines() or ["(no output)"]:
            console.print(f"[{r.host} {r.node_id[:8]}] {line}", markup=False)
        if r.rc != 0:
            err.print(f"clean on {r.host} ({r.node_id[:8]}) exited {r.rc}", markup=False)


def _load(config: str):
    try:
        return load_config(config)
    except ConfigError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        config: str = ConfigOpt,
        yes: bool = typer.Option(False, "--yes", "-y", help="Skip the confirmation prompt (scripts)."),
        foreground: bool | None = typer.Option(
            None, "--foreground/--background", help="Block this terminal (tee) or detach (default: background)."
        ),
        wait: float = typer.Option(30.0, help="Seconds to wait for the launch log and the exp name."),
        force: bool = typer.Option(
            False,
            "--force",
            help="For a human at the CLI only: launch even though preflight "
            "failed. Agents and /rl:run never pass this.",
        ),
        new: bool = typer.Option(
            False,
            "--new",
            help="Start a fresh run even if the last one failed or was interrupted "
            "with a checkpoint (default: resume it under its exp name).",
        ),
        set_: list[str] = typer.Option(
            [],
            "--set",
            help="Override a config key for this run: section.key=value "
            "(repeatable; the launcher and trainer see it too).",
        ),
    ) -> None:
        """Launch a training run (refuses while one is live; preflight gate; confirmation box)."""
        from swerl.config.load import push_overrides
        from swerl.run import box, launch, live, preflight_gate

        push_overrides(set_)

        cfg = _load(config)
        paths = RunPaths.of(cfg, "")
        cfg_path = Path(cfg._source)
        lv = live.check(paths.run_state_file)
        if lv.any:
            console.print("A training run is already in flight:", markup=False)
            console.print("\n".join(live.describe(lv)), markup=False)
            console.print(
                "Refusing to start another. Let it finish, or stop it first\n"
                f"(`swerl stop --config {config}` or `kill -INT <pid>`, then `swerl clean`), then re-run.",
                markup=False,
            )
            raise typer.Exit(1)
        from swerl.run.archive import LaunchRefused, close_dead

        try:  # a dead previous run's leftovers (its proxy on our port, its sandboxes) must not fail the gate
            close_dead(cfg, log=lambda m: console.print(m, markup=False))
        except LaunchRefused as exc:
            console.print(f"refused: {exc}", markup=False)
            raise typer.Exit(1) from None
        gate = preflight_gate.run_gate(str(cfg_path))
        if not gate.ok:
            console.print("Preflight failed — fix the items below before `swerl run`.", markup=False)
            console.print(f"$ {gate.command}\n{gate.output[-4000:]}", markup=False)
            if not force:
                raise typer.Exit(1)
            console.print("--force: launching past a failed preflight (your call, not the tool's)", markup=False)
        else:
            console.print(f"preflight passed: {gate.command.split(' -m swerl.cli ')[-1]}", markup=False)
        console.print(box.render(cfg), markup=False)
        if not yes:
            if not sys.stdin.isatty():
                err.print("not a terminal: pass --yes to launch without the confirmation prompt", markup=False)
                raise typer.Exit(2)
            if not typer.confirm(
                "Proceed with this configuration? [Y]es / [N]o (edit config.yaml first)", default=True
            ):
                raise typer.Exit(1)
            if foreground is None:
                mode = typer.prompt(
                    "Launch mode? [B]ackground (default — nohup setsid + writes logs/launch_<ts>.log) / "
                    "[F]oreground (blocks this session until exit)",
                    default="B",
                )
                foreground = mode.strip().lower().startswith("f")
        if foreground:
            raise typer.Exit(launch.foreground(cfg_path, paths, new))
        res = launch.background(cfg_path, paths, wait, new)
        if res.exited is not None and res.exited != 0:
            console.print(
                f"Launch failed: start.sh exited {res.exited} within {wait:.0f}s. Log tail ({res.launch_log}):",
                markup=False,
            )
            from swerl.run.logs import tail_lines

            console.print("\n".join(tail_lines(res.launch_log, 30)), markup=False)
            raise typer.Exit(1)
        st = res.state
        host = (st.litellm_host if st else "127.0.0.1").replace("0.0.0.0", "127.0.0.1")
        port = (
            st.ports.get("litellm", cfg.input.infrastructure.litellm_port)
            if st
            else cfg.input.infrastructure.litellm_port
        )
        exp = res.exp or (st.exp if st else "") or "(not announced yet — see the launch log)"
        lines = [
            "Launched (background)" if res.exited is None else f"Launched and already finished (exit {res.exited})",
            f"  run:         {st.run_id if st and st.run_id else '?'}   exp: {exp}",
            f"  launch log:  {res.launch_log}",
            f"  train log:   {paths.logs_dir / (exp + '.log')}" if res.exp else "",
            f"  pids:        start.sh {res.pid} (process group {res.pid})"
            + (f", trainer {', '.join(map(str, launch.trainer_pids(st)))}" if launch.trainer_pids(st) else ""),
            "  status:      running (model load / engine boot before the proxy answers); the ledger row is written now",
            f"Monitor: tail -F {res.launch_log}   ·   swerl status --config {config}",
            f"         curl -sS http://{host}:{port}/health/liveliness",
            f"Stop:    swerl stop --config {config}   (or kill -INT {res.pid})",
        ]
        console.print("\n".join(x for x in lines if x), markup=False)

    @app.command()
    def status(
        config: str = ConfigOpt, json_out: bool = typer.Option(False, "--json", help="Machine-readable.")
    ) -> None:
        """Is a run live? idle / training (pid, uptime, step, reward, LiteLLM) / the last run's status."""
        from swerl.run.status import status as get_status

        cfg = _load(config)
        s = get_status(RunPaths.of(cfg, ""))
        if json_out:
            console.print_json(s.model_dump_json())
            return
        if s.state == "training":
            reward = f"{s.reward_key}={s.reward:.4g}" if s.reward is not None else "no step yet"
            console.print(
                f"training  {s.run_id}  exp={s.exp}\n  pid {s.pid} (trainer {s.trainer_pid})  uptime {s.uptime}"
                f"\n  step {s.step if s.step is not None else '—'}  {reward}\n  litellm {s.litellm}"
                f"\n  log {s.launch_log}",
                markup=False,
            )
        elif s.state == "training-elsewhere":
            console.print("training (not launched from this output root):\n  " + "\n  ".join(s.others), markup=False)
        else:
            console.print("idle — no training process is live", markup=False)
        if s.last_run and s.state != "training":
            r = s.last_run
            console.print(
                f"last run: {r.id} {r.status}  started {r.started_at}  ended {r.completed_at or '—'}"
                f"\n  {r.notes}\n  archive {r.archive}",
                markup=False,
            )
            if r.status == "running" and s.state != "training":
                console.print(
                    "  (no live process: the launcher died without recording its exit — "
                    "`swerl clean` closes this row as failed)",
                    markup=False,
                )
        if s.ledger_error:
            err.print(s.ledger_error, markup=False)

    @app.command()
    def stop(
        config: str = ConfigOpt,
        timeout: float = typer.Option(120.0, help="Seconds to wait after SIGINT before SIGTERM."),
        term_timeout: float = typer.Option(15.0, help="Seconds to wait after SIGTERM before SIGKILL."),
    ) -> None:
        """Stop our run: SIGINT (start.sh forwards it and archives `interrupted`), then SIGTERM/SIGKILL on timeout."""
        from swerl.run.stop import stop as do_stop

        cfg = _load(config)
        res = do_stop(
            RunPaths.of(cfg, ""), str(cfg._source), timeout, term_timeout, log=lambda m: console.print(m, markup=False)
        )
        console.print(res.message, markup=False)
        if res.row:
            console.print(
                yaml.safe_dump([res.row.model_dump()], sort_keys=False, width=1000, allow_unicode=True).rstrip(),
                markup=False,
            )
        if res.message.startswith("could not"):
            raise typer.Exit(1)

    archive_app = typer.Typer(help="The run ledger (artifacts/index.yaml) and run archives.", no_args_is_help=True)

    @archive_app.command("start")
    def archive_start(
        config: str = ConfigOpt,
        pid: int = typer.Option(0, help="Launcher pid to record (default: the caller's parent)."),
    ) -> None:
        """Append a `running` row and record the run state; prints `export` lines for a shell launcher."""
        from swerl.run import hook

        raise typer.Exit(hook.main(["start", "--config", config, "--pid", str(pid or os.getppid())]))

    @archive_app.command("finish")
    def archive_finish(
        config: str = ConfigOpt,
        run_id: str = typer.Option(..., "--run-id"),
        rc: int = typer.Option(0, "--rc", help="The run's exit code."),
        signal: str = typer.Option("", "--signal", help="INT/TERM if the launcher was signalled."),
    ) -> None:
        """Write artifacts/archives/<run_id>/ and set the row's final status (completed|interrupted|failed)."""
        from swerl.run import hook

        raise typer.Exit(
            hook.main(["finish", "--config", config, "--run-id", run_id, "--rc", str(rc), "--signal", signal])
        )

    @archive_app.command("list")
    def archive_list(config: str = ConfigOpt) -> None:
        """Print the run ledger."""
        from swerl.run.index import read_index

        for r in read_index(RunPaths.of(_load(config), "").index_file):
            console.print(
                f"{r.id}  {r.status:<11} {r.started_at} → {r.completed_at or '—':<20} {r.notes}", markup=False
            )

    app.add_typer(archive_app, name="archive")

    @app.command()
    def clean(
        config: str = ConfigOpt,
        logs: bool = typer.Option(False, "--logs", help="Also delete logs/*.log."),
        trials: bool = typer.Option(False, "--trials", help="Also delete trials/ (per-trial files)."),
        pods: bool = typer.Option(False, "--pods", help="Delete K8s pods labelled harbor-run=<k8s.pod_name_prefix>."),
        containers: bool = typer.Option(
            False, "--containers", hidden=True, help="No-op: every ledger run's containers are always included."
        ),
        dry_run: bool = typer.Option(False, "--dry-run", help="List what would go; change nothing."),
        nodes: bool = typer.Option(
            False,
            "--nodes",
            help="Multi-node runs: first clean every other node of the live Ray cluster ($RAY_ADDRESS, else this "
            "host's Ray) — each node's recorded helpers, processes of our output root, labelled containers — then "
            "this one.",
        ),
        this_node: bool = typer.Option(False, "--this-node", hidden=True, help="What --nodes runs on each node."),
    ) -> None:
        """Remove leftovers of OUR finished runs (processes, generated configs, Ray tmp, labelled sandboxes).
        Keeps checkpoints and wandb; never touches what run.json or our labels do not name."""
        from swerl.run import clean as c

        cfg = _load(config)
        if nodes:
            _clean_other_nodes(cfg, config, dry_run)
        try:
            if this_node:
                plan = c.node_plan(cfg)
            else:
                plan = c.plan(cfg, logs=logs, trials=trials, pods=pods)  # --containers: kept as a no-op flag
        except c.CleanRefused as exc:
            err.print(f"clean: refused — {exc}", markup=False)
            raise typer.Exit(1) from None
        verb = "would remove" if dry_run else "removing"
        for a in plan.actions:
            console.print(f"{verb} {a.kind:<11} {a.target}  ({a.why})", markup=False)
        for k in plan.kept:
            console.print(f"keeping   {k}", markup=False)
        if not plan.actions:
            console.print("nothing to clean", markup=False)
        if dry_run:
            return
        failed = c.execute(plan)
        for a, e in failed:
            err.print(f"failed: {a.kind} {a.target}: {e}", markup=False)
        if failed:
            raise typer.Exit(1)
