"""CLI of the preflight layer: `swerl dryrun`, `swerl check`, `swerl config show`."""

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def dryrun(config: str = typer.Option("config.yaml", "--config", "-c", help="Config file.")) -> None:
        """Validate the whole run profile without side effects (not built yet)."""
        raise typer.Exit(1)
