"""`swerl …` — one typer app; each layer mounts its own sub-app (imported lazily so `--help` stays fast)."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    help="swerl: online RL for LLM coding agents — config.yaml → preflight → proxy + gateway → Harbor trials → verl update.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# name → (module with `app` or `register(app)`, help). Each module owns its commands.
_LAYERS: dict[str, str] = {
    "swerl.preflight.cli": "dryrun, check, config",
    "swerl.serve.cli": "serve, health, model",
    "swerl.rollout.cli": "tasks, sandbox, rollout",
    "swerl.train.cli": "train",
    "swerl.eval.cli": "eval",
    "swerl.run.cli": "run, status, stop, archive, clean",
    "swerl.run.node": "node head, node join",
    "swerl.dashboard.cli": "dashboard",
}


def _mount() -> None:
    for module_name in _LAYERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # layer not built yet
            raise
        module.register(app)


@app.command()
def version() -> None:
    """Print swerl's version."""
    from swerl import __version__

    typer.echo(__version__)


_mount()


def main() -> None:
    """The one handler for user errors: a bad or missing config is one line on stderr and exit 2, never a
    traceback — whichever command met it."""
    from swerl.config.load import ConfigError

    try:
        app()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
