"""CLI of the preflight layer: `swerl dryrun`, `swerl check`, `swerl config show|env|reference`."""

from __future__ import annotations

from pathlib import Path

import typer

CONFIG_OPT = typer.Option("config.yaml", "--config", "-c", help="Config file (default ./config.yaml).")
SET_OPT = typer.Option(
    [],
    "--set",
    help="Override a config key for this run: section.key=value (repeatable; YAML value), e.g. --set training.total_training_steps=2.",
)


def register(app: typer.Typer) -> None:
    @app.command()
    def dryrun(config: Path = CONFIG_OPT, set_: list[str] = SET_OPT) -> None:
        """Validate config + machine without side effects; print the Run Configuration Summary. Exit 1 on any failure."""
        from swerl.config.load import push_overrides
        from swerl.preflight import dryrun as dr

        push_overrides(set_)
        code, _, _ = dr.run(config)
        raise typer.Exit(code)

    @app.command()
    def check(
        config: Path = CONFIG_OPT,
        quiet: bool = typer.Option(
            False, "--quiet", "-q", help="Print only the SAFE TO RUN report, not the dryrun lines."
        ),
        set_: list[str] = SET_OPT,
    ) -> None:
        """Dryrun + live layer (run already live? port owners mine/conflict, GPUs, LiteLLM) → SAFE TO RUN report."""
        from swerl.config.load import push_overrides
        from swerl.preflight import check as ck

        push_overrides(set_)
        raise typer.Exit(ck.run(config, quiet=quiet))

    cfg_app = typer.Typer(
        help="Show the resolved config, export it as env vars, or print the key reference.", no_args_is_help=True
    )
    app.add_typer(cfg_app, name="config")

    @cfg_app.command("show")
    def show(config: Path = CONFIG_OPT) -> None:
        """Print the resolved config (defaults filled in, secrets redacted)."""
        from swerl.preflight import config_cmds

        config_cmds.show(config)

    @cfg_app.command("env")
    def env(config: Path = CONFIG_OPT) -> None:
        """Print `export SWERL_<SECTION>_<KEY>=…` lines for every input key (eval them in a launch script)."""
        from swerl.preflight import config_cmds

        config_cmds.env(config)

    @cfg_app.command("reference")
    def reference(
        output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
    ) -> None:
        """Print the config key reference (markdown, generated from the schema docstrings)."""
        from swerl.preflight import config_cmds

        config_cmds.reference(output)
