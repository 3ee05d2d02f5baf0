"""`swerl eval` — pass@k of a checkpoint (or the base model) on a task set, through the training stack."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_(
        config: Path = typer.Option(Path("config.yaml"), "--config", "-c", help="The config (model, agent, sandbox)."),
        checkpoint: str = typer.Option(
            "",
            "--checkpoint",
            help="checkpoints/<project>/<exp> (its latest step), a global_step_N dir, or an HF dir; empty = "
            "the base model (model.model_path).",
        ),
        tasks: str = typer.Option(
            "",
            "--tasks",
            help="Task index (parquet) or task dir, optionally with a split: tasks/easy:heldout (:train, :all; "
            "default all). Empty = data.val_index.",
        ),
        samples: int = typer.Option(1, "--samples", "-k", help="Samples (trials) per task."),
        temperature: float | None = typer.Option(
            None,
            "--temperature",
            help="0 = greedy. Default: greedy for k = 1, else validation.temperature (or vllm.temperature if 0).",
        ),
        top_p: float | None = typer.Option(None, "--top-p", help="Default: validation.top_p."),
        name: str = typer.Option("", "--name", help="Report name (default: the checkpoint's step dir, or 'base')."),
        set_: list[str] = typer.Option([], "--set", help="Override a config key: section.key=value (repeatable)."),
    ) -> None:
        """Evaluate: pass@1 and pass@k (unbiased estimator) per task → artifacts/evals/<utc>_<name>/report.{json,md}."""
        from swerl.config.load import ConfigError, load_config, push_overrides

        push_overrides(set_)
        from swerl.eval.checkpoint import EvalInputError
        from swerl.eval.run import EvalOptions, evaluate
        from swerl.train.session import quiet_root_handlers

        try:
            cfg = load_config(config)
        except ConfigError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        if temperature is not None and temperature < 0:
            typer.echo(f"--temperature must be >= 0 (got {temperature}); 0 = greedy", err=True)
            raise typer.Exit(2)
        quiet_root_handlers()
        opts = EvalOptions(
            tasks=tasks, checkpoint=checkpoint, samples=samples, temperature=temperature, top_p=top_p, name=name
        )
        try:
            report, out = evaluate(cfg, opts)
        except EvalInputError as exc:
            typer.echo(f"[eval] {exc}", err=True)
            raise typer.Exit(2) from None
        show(report, out)


def show(report, out: Path) -> None:
    """The report as rich tables (per task, pass@k, failures) and where it was written."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"eval {report.name} — per task")
    for col in ("task", "n", "correct", "masked"):
        t.add_column(col, justify="left" if col == "task" else "right")
    for r in report.per_task:
        t.add_row(r.task, str(r.n), str(r.correct), str(r.masked))
    con.print(t)
    p = Table(title="pass@k (unbiased)")
    p.add_column("k", justify="right")
    p.add_column("pass@k", justify="right")
    for k, v in report.pass_at.items():
        p.add_row(k, f"{v:.4f}")
    con.print(p)
    if report.failures:
        f = Table(title="masked trials by reason")
        f.add_column("reason")
        f.add_column("trials", justify="right")
        for reason, n in sorted(report.failures.items()):
            f.add_row(reason, str(n))
        con.print(f)
    used = ", ".join(f"{k} {v}" for k, v in report.sampling_used.items()) or "no call recorded"
    con.print(
        f"sampling asked: temperature {report.temperature}, top_p {report.top_p}; used ({report.model_calls} "
        f"calls): {used}; reward mean {report.reward_mean:.4f}"
    )
    con.print(f"report: {out}/report.json, {out}/report.md")
