"""CLI of the rollout layer: `swerl tasks index|validate`, `swerl sandbox build-base`, `swerl rollout`."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
ConfigOpt = typer.Option(
    None, "--config", "-c", help="Config file (backend, workers, agent); default: built-in defaults."
)


def _progress(o, i: int, n: int) -> None:
    state = (
        f"[yellow]masked {o.mask_reason}[/]"
        if o.masked
        else ("[green]1.0[/]" if o.reward == 1.0 else f"[red]{o.reward}[/]")
    )
    console.print(f"[{i:>3}/{n}] {o.trial_id:<48} {state}  {o.duration_s:5.1f}s")


def _settings(config: Path | None, trials_root: Path, workers: int | None, **over):
    from swerl.rollout.runner import RolloutSettings

    if config is not None:
        from swerl.config.load import load_config

        cfg = load_config(config)
        s = RolloutSettings.from_config(cfg, trials_root, run_label=cfg.input.experiment.exp_name or "adhoc", **over)
    else:
        s = RolloutSettings(trials_root=trials_root, **over)
    if workers:
        s = s.model_copy(update={"num_workers": workers})
    return s


def register(app: typer.Typer) -> None:
    tasks_app = typer.Typer(help="Harbor task sets: build the parquet index, validate grading.", no_args_is_help=True)
    sandbox_app = typer.Typer(help="Sandbox images.", no_args_is_help=True)
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(sandbox_app, name="sandbox")

    @tasks_app.command("index")
    def index(
        dirs: list[Path] = typer.Argument(..., help="Task dirs or sets (dirs of task dirs)."),
        output: Path = typer.Option(..., "--output", "-o", help="Parquet file to write."),
        split: str = typer.Option("train", help="extra_info.split of the rows."),
        agent: str = typer.Option("", help="agent_name for every row (empty = the config's)."),
    ) -> None:
        """Write the verl RLHF parquet index of Harbor task dirs (paths stored relative to the parquet)."""
        from swerl.rollout.tasks import write_index

        try:
            n, refused = write_index(dirs, output, split=split, agent_name=agent)
        except (ValueError, FileNotFoundError) as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
        for r in refused:
            console.print(f"[yellow]refused[/] {r.task}: {r.reason}", markup=True, highlight=False)
        console.print(
            f"{n + len(refused)} task dirs: wrote {n} → {output}"
            + (f", refused {len(refused)} (listed above)" if refused else "")
        )

    @tasks_app.command("import")
    def import_(
        source: Path = typer.Argument(
            ..., help="SWE-bench-format rows (.jsonl/.json/.parquet), a Harbor set (dir, .tar/.tar.gz, parquet)."
        ),
        output: Path = typer.Option(..., "--output", "-o", help="Dir the task dirs are written into."),
        image_template: str = typer.Option(
            "",
            "--image-template",
            help="Image name for rows without an image column: {instance_id}, {repo}, {swebench_id} "
            "(e.g. 'swebench/sweb.eval.x86_64.{swebench_id}:latest').",
        ),
        workdir: str = typer.Option("/testbed", help="Where the repo is inside the images."),
        harden: bool = typer.Option(
            True,
            "--harden/--no-harden",
            help="Rebuild each image locally with git history cut at base_commit (needs the image present).",
        ),
        limit: int = typer.Option(0, help="Only the first N rows."),
    ) -> None:
        """Turn public task data into Harbor task dirs (docs/datasets.md): rows → tasks, Harbor sets unpacked."""
        from swerl.rollout.importer import import_source

        try:
            rep = import_source(
                source,
                output,
                image_template=image_template,
                workdir=workdir,
                harden=harden,
                limit=limit,
                log=lambda m: console.print(f"[dim]{m}[/]", highlight=False),
            )
        except (ValueError, FileNotFoundError, OSError) as exc:
            console.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        if rep.unknown_columns:
            console.print(
                f"[yellow]unknown columns (not used):[/] {', '.join(rep.unknown_columns)} — "
                "see docs/datasets.md for the mapping",
                highlight=False,
            )
        for r in rep.refused:
            console.print(f"[yellow]refused[/] {r.line()}", highlight=False)
        n = len(rep.written) + len(rep.refused)
        console.print(
            f"{rep.kind}: {n} {'rows' if rep.kind != 'harbor-dir' else 'tasks'} → {len(rep.written)} task dirs in "
            f"{output if rep.kind != 'harbor-dir' else source}"
            + (f" ({rep.hardened} images hardened)" if rep.hardened else "")
            + (f", refused {len(rep.refused)} (listed above)" if rep.refused else ""),
            highlight=False,
        )
        if not rep.written:
            raise typer.Exit(1)
        where = output if rep.kind != "harbor-dir" else source
        console.print(f"next: swerl tasks validate {where} && swerl tasks index {where} -o {where}/train.parquet")

    @tasks_app.command("validate")
    def validate(
        target: Path = typer.Argument(..., help="Parquet index or task dir/set."),
        config: Path = ConfigOpt,
        jobs: int = typer.Option(8, "--jobs", "-j", "--workers", help="Concurrent trials (2 per task)."),
        env: str = typer.Option(
            "",
            "--env",
            help="Sandbox backend: docker | local (no isolation) | k8s | "
            "pkg.mod:Class (default: the config's, else docker).",
        ),
        trials_root: Path = typer.Option(Path("trials/validate"), help="Where the trial dirs go."),
        results: Path = typer.Option(
            None,
            "--results",
            help="Results store (default: <dir>/.swerl-validated.json, or <index>.validated.json next to a parquet).",
        ),
        force: bool = typer.Option(False, "--force", help="Re-run every task, even those validated unchanged."),
        report: Path = typer.Option(
            None, "--report", help="Write the JSON report here (default: <trials-root>/report.json)."
        ),
        limit: int = typer.Option(0, help="Only the first N tasks."),
    ) -> None:
        """Run the gold solution (must give 1.0) and a no-op agent (must give 0.0) on every task, in parallel;
        resumable: tasks validated before with the same task hash (and not masked) are skipped."""
        import json

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from swerl.rollout.tasks import load_index_checked
        from swerl.rollout.validate import ValidationStore, plan, store_path, validate_tasks

        try:
            rows, refused = load_index_checked(target)
            if limit:
                rows = rows[:limit]
            store = ValidationStore(results or store_path(target))
            todo, cached = plan(rows, store, force)
        except (ValueError, FileNotFoundError, OSError) as exc:
            console.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        from swerl.models.backend import ALIASES as ENV_ALIASES

        over: dict = {"max_retries": 0}
        if env:
            if env not in ENV_ALIASES and ":" not in env:
                console.print(f"[red]error:[/] --env {env}: use docker, local, k8s or pkg.module:Class")
                raise typer.Exit(1)
            over["environment_import_path"] = ENV_ALIASES.get(env, env)
        s = _settings(config, trials_root.resolve(), jobs, **over)
        console.print(
            f"{len(rows)} tasks: {len(cached)} unchanged since validated (skipped; --force re-runs), {len(todo)} to run "
            f"({2 * len(todo)} trials, {s.num_workers} at a time) — results in {store.path}",
            highlight=False,
        )
        checks = list(cached)
        if todo:
            tally = {"ok": 0, "broken": 0, "masked": 0}
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                job = bar.add_task("validating", total=len(todo))

                def on_check(c) -> None:
                    store.record(c)
                    tally["masked" if c.masked else ("broken" if c.problem else "ok")] += 1
                    if c.problem:
                        bar.console.print(f"[red]broken[/] {c.task_id}: {c.problem}", highlight=False)
                    bar.update(
                        job,
                        advance=1,
                        description=f"ok {tally['ok']} · broken {tally['broken']} · masked {tally['masked']}",
                    )

                checks += asyncio.run(
                    validate_tasks([r for r, _ in todo], s, hashes=[h for _, h in todo], on_check=on_check)
                )
        order = {r.instance_id: i for i, r in enumerate(rows)}
        checks.sort(key=lambda c: order.get(c.task_id, 0))
        bad = [c for c in checks if c.problem]
        if bad:
            t = Table(title=f"broken tasks: {len(bad)} of {len(checks)}")
            for col in ("task", "gold", "no-op", "problem", "trial dirs"):
                t.add_column(col)
            for c in bad:
                dirs = "(cached)" if c.cached else f"{c.gold_dir}\n{c.nop_dir}"
                t.add_row(c.task_id, str(c.gold), str(c.nop), f"[red]{c.problem}[/]", dirs)
            console.print(t)
        for r in refused:
            console.print(f"[yellow]refused (not run)[/] {r.line()}", highlight=False)
        rep = report or trials_root / "report.json"
        summary = {
            "target": str(target),
            "tasks": len(checks),
            "ok": len(checks) - len(bad),
            "broken": [c.model_dump(mode="json") for c in bad],
            "masked": sum(1 for c in bad if c.masked),
            "cached": len(cached),
            "run": len(todo),
            "refused": [r.line() for r in refused],
            "store": str(store.path),
        }
        try:
            rep.parent.mkdir(parents=True, exist_ok=True)
            rep.write_text(json.dumps(summary, indent=1))
        except OSError as exc:
            console.print(f"[yellow]report not written:[/] {rep}: {exc}")
        tail = f" — report {rep}" + (f"; {len(refused)} refused (listed above)" if refused else "")
        if bad:
            console.print(
                f"[red]{len(bad)} of {len(checks)} task(s) with broken grading[/] (table above; masked ones are "
                f"re-run next time) — trial dirs under {trials_root}{tail}",
                highlight=False,
            )
            raise typer.Exit(1)
        console.print(
            f"[green]all {len(checks)} tasks grade correctly[/] ({len(cached)} cached){tail}", highlight=False
        )

    @sandbox_app.command("build-base")
    def build_base(
        force: bool = typer.Option(False, "--force", help="Rebuild even if the images exist."),
        mirror: str = typer.Option(
            "",
            help="Debian mirror for debootstrap (default: $SWERL_DEBIAN_MIRROR, else the Debian archive among apt's sources).",
        ),
        py: bool = typer.Option(True, "--py/--no-py", help="Also build swerl/base-py (base + pytest)."),
        mswea: bool = typer.Option(
            False, "--mswea", help="Also fetch + unpack mini-swe-agent for offline trials (~170 MB of wheels)."
        ),
        ohsdk: bool = typer.Option(
            False,
            "--ohsdk",
            help="Also build the OpenHands SDK's offline venv (a Python 3.12 copy + openhands-sdk; ~3 min, ~800 MB).",
        ),
        config: Path = typer.Option(
            None,
            "--config",
            "-c",
            help="Also tag the base as this config's harbor_agent.base_image (what task Dockerfiles build FROM).",
        ),
    ) -> None:
        """Build swerl/base:bookworm (pull, else debootstrap + docker import) and swerl/base-py:bookworm."""
        from swerl.rollout import images

        try:
            images.build_base(force=force, mirror=mirror, log=console.print)
            if config is not None:
                from swerl.config.load import load_config

                want = load_config(config).input.harbor_agent.base_image
                if want and want != images.BASE:
                    images.tag(images.BASE, want)
                    console.print(f"tagged {images.BASE} as {want} (harbor_agent.base_image)")
            if py:
                images.build_base_py(force=force, log=console.print)
            if mswea:
                images.ensure_mswea(log=console.print)
            if ohsdk:
                from swerl.rollout.ohsdk_assets import ensure_ohsdk

                ensure_ohsdk(log=console.print)
        except Exception as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None

    @sandbox_app.command("pull")
    def pull(
        target: Path = typer.Argument(..., help="Parquet index or task dir/set."),
        config: Path = typer.Option(
            None, "--config", "-c", help="Use this config's harbor_agent.docker_host/docker_tls_dir (default: local)."
        ),
        check: bool = typer.Option(False, "--check", help="Only report the missing images; pull nothing."),
    ) -> None:
        """Pull every prebuilt image (task.toml docker_image) the index's tasks need and the daemon lacks."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from swerl.rollout.envs.docker_api import docker_client
        from swerl.rollout.images import missing_images, needed_images
        from swerl.rollout.tasks import load_index_checked

        try:
            rows, _ = load_index_checked(target)
            host, tls = "", ""
            if config is not None:
                from swerl.config.load import load_config

                ha = load_config(config).input.harbor_agent
                host, tls = ha.docker_host, ha.docker_tls_dir
            client = docker_client(host, tls)
            need = needed_images([r.task_path for r in rows])
            missing = missing_images(client, sorted(need))
        except Exception as exc:  # noqa: BLE001 — bad index, bad config, unreachable daemon: one line each
            console.print(f"[red]error:[/] {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            raise typer.Exit(1) from None
        console.print(
            f"{len(rows)} tasks need {len(need)} prebuilt image(s): {len(need) - len(missing)} present, "
            f"{len(missing)} missing"
        )
        if not missing:
            return
        if check:
            console.print(f"[red]missing:[/] {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
            raise typer.Exit(1)
        failed: list[tuple[str, str]] = []
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            job = bar.add_task("pulling", total=len(missing))
            for image in missing:
                bar.update(job, description=f"pulling {image}")
                try:
                    client.images.pull(image)
                except Exception as exc:  # noqa: BLE001 — the registry's message is the explanation
                    why = str(getattr(exc, "explanation", "") or exc or type(exc).__name__)
                    failed.append((image, why.splitlines()[0][:200]))
                bar.advance(job)
        for image, why in failed:
            console.print(f"[red]not pulled[/] {image}: {why}", highlight=False)
        if failed:
            console.print(
                f"[red]error:[/] {len(failed)}/{len(missing)} images could not be pulled (listed above) — check the "
                "registry is reachable and logged in (docker login), or build/load them (docker load -i …)"
            )
            raise typer.Exit(1)
        console.print(f"[green]pulled {len(missing)} image(s)[/]")

    @app.command("rollout")
    def rollout(
        config: Path = typer.Option(Path("config.yaml"), "--config", "-c"),
        index: Path = typer.Option(None, "--index", help="Parquet index or task dir (default: data.train_index)."),
        n: int = typer.Option(4, "--n", help="Trials per task."),
        agent: str = typer.Option("", help="Override harbor_agent.agent_name."),
        workers: int = typer.Option(0, help="Override harbor_runtime.num_workers."),
        proxy_url: str = typer.Option("", help="Proxy root (default http://<litellm_host>:<litellm_port>)."),
        limit: int = typer.Option(0, help="Only the first N tasks."),
        trials_root: Path = typer.Option(None, help="Default trials/<project>/rollout-<ts>."),
    ) -> None:
        """Run trials outside training (debugging, evaluation) and print a pass@k table."""
        from swerl.config.load import load_config, resolve
        from swerl.config.paths import RunPaths, make_trial_id, utc_stamp
        from swerl.rollout.agents.registry import AgentEndpoint
        from swerl.rollout.network import sandbox_proxy_host
        from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
        from swerl.rollout.tasks import load_index
        from swerl.rollout.validate import pass_table

        cfg = load_config(config)
        i = cfg.input
        exp = f"rollout-{utc_stamp()}"
        root = trials_root or RunPaths.of(cfg, exp).trials_dir
        rows = load_index(index or resolve(cfg, i.data.train_index))
        if limit:
            rows = rows[:limit]
        over = {"agent_name": agent} if agent else {}
        s = RolloutSettings.from_config(cfg, root, run_label=exp, **over)
        if workers:
            s = s.model_copy(update={"num_workers": workers})
        port = i.infrastructure.litellm_port
        ep = AgentEndpoint(
            host_url=proxy_url or f"http://{i.infrastructure.litellm_host}:{port}",
            sandbox_url=proxy_url or f"http://{sandbox_proxy_host(i.harbor_agent.docker_host)}:{port}",
            api_key=os.environ.get(i.credentials.proxy_master_key_env, ""),
            model=i.model.served_model_name,
        )
        jobs = [
            TrialJob(trial_id=make_trial_id(0, r.instance_id, k), task=r, group=r.instance_id, agent_name=r.agent_name)
            for r in rows
            for k in range(n)
        ]
        console.print(
            f"{len(jobs)} trials ({len(rows)} tasks × {n}), {s.num_workers} workers, agent "
            f"{agent or i.harbor_agent.agent_name} → {root}"
        )
        outs = asyncio.run(run_trials(jobs, s, ep, on_done=_progress))
        ks = [k for k in (1, 2, 4, 8, 16) if k <= n]
        t = Table(title="pass@k")
        for col in ["task", "n", "masked", "correct", "mean", *[f"pass@{k}" for k in ks]]:
            t.add_column(col)
        table = pass_table(outs, ks)
        for r in table:
            t.add_row(
                r["task"],
                str(r["n"]),
                str(r["masked"]),
                str(r["correct"]),
                f"{r['mean_reward']:.2f}",
                *[f"{r[f'pass@{k}']:.2f}" for k in ks],
            )
        if table:
            t.add_row(
                "[b]mean[/]",
                "",
                str(sum(r["masked"] for r in table)),
                "",
                "",
                *[f"{sum(r[f'pass@{k}'] for r in table) / len(table):.2f}" for k in ks],
            )
        console.print(t)
