"""`swerl train --config config.yaml` — what scripts/train_1node_cc.sh (via start.sh) runs."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train(
        config: Path = typer.Option(Path("config.yaml"), "--config", "-c", help="The run's config.yaml."),
        print_command: bool = typer.Option(
            False, "--print-command", help="training.engine=verl: print the main_ppo command and exit."
        ),
        exp_name: str = typer.Option("", help="Override experiment.exp_name (empty = config, else auto)."),
        set_: list[str] = typer.Option([], "--set", help="Override a config key: section.key=value (repeatable)."),
    ) -> None:
        """Train: boot engine + gateway + LiteLLM proxy, then rollout → update → checkpoint → validate."""
        from swerl.config.load import ConfigError, load_config, push_overrides

        push_overrides(set_)
        from swerl.config.paths import RunPaths, auto_exp_name
        from swerl.run.orphan import watch_parent

        watch_parent()  # started by start.sh: die with it (kill -9 of the launcher's process group included)
        from swerl.train.loop import Stopped
        from swerl.train.metrics import StepLogger

        try:
            cfg = load_config(config)
        except ConfigError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        # the launcher (start.sh) picks the name first and exports it, so ledger, run state and logs agree
        exp = exp_name or cfg.input.experiment.exp_name or os.environ.get("SWERL_EXP_NAME") or auto_exp_name()
        if cfg.input.training.engine == "verl":
            from swerl.train.verl_engine.command import main_ppo_command

            cmd = main_ppo_command(cfg, exp)
            if print_command:
                typer.echo(shlex.join(cmd))
                return
            from swerl.train.verl_engine.launch import run_main_ppo

            paths = RunPaths.of(cfg, exp)
            log = StepLogger(paths.exp_log, paths.vllm_log)
            log.info(f"exp={exp}")
            try:  # verl logs to wandb itself (trainer.logger); we keep the step lines and the hand-off
                rc = run_main_ppo(cfg, exp, cmd, log, config.resolve())
            finally:
                log.close()
            raise typer.Exit(rc)
        if print_command:
            typer.echo(
                "training.engine=local runs in-process (no main_ppo command); set training.engine: verl", err=True
            )
            raise typer.Exit(2) from None
        paths = RunPaths.of(cfg, exp)
        log = StepLogger(paths.exp_log, paths.vllm_log)
        log.info(f"exp={exp}")
        try:
            from swerl.train.session import train_local

            wandb_dir = (
                log.start_wandb(
                    cfg.input.credentials.wandb_mode,
                    cfg.input.experiment.project_name,
                    exp,
                    paths.root,
                    _tracked_config(cfg),
                )
                if _wandb_ok(cfg, log)
                else None
            )
            if wandb_dir:
                log.info(f"wandb {cfg.input.credentials.wandb_mode}: {wandb_dir}")
            train_local(cfg, exp, log, config_path=config.resolve())
        except Stopped:
            raise typer.Exit(130) from None
        except Exception as exc:  # one line naming the cause; the traceback goes to the exp log
            import traceback

            log._exp.write(traceback.format_exc())
            log.info(f"error: {type(exc).__name__}: {exc}")
            raise typer.Exit(1) from None
        finally:
            log.close()


def _tracked_config(cfg) -> dict:
    """The config wandb records: everything but `credentials` (keys never leave the machine in a run config)."""
    conf = cfg.model_dump(mode="json")["runtime_info"]["input"]
    conf.pop("credentials", None)
    return conf


def _wandb_ok(cfg, log) -> bool:
    import os

    from swerl.config.load import wandb_key

    mode = cfg.input.credentials.wandb_mode
    if mode == "disabled":
        return False
    key, _ = wandb_key(cfg)
    if key:
        os.environ["WANDB_API_KEY"] = key
    elif mode == "online":
        log.info("wandb_mode=online but no WANDB_API_KEY — export it, or set credentials.wandb_mode: offline")
        raise SystemExit(2)
    return True
