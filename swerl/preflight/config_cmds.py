"""`swerl config show|env|reference`. Secrets are never printed."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer
import yaml
from pydantic import BaseModel

from swerl.config import ConfigError, SwerlConfig, load_config, resolve
from swerl.config.schema import InputSection
from swerl.models.assets import ALIASES

SECRET_KEYS = {"wandb_api_key"}
PATH_KEYS = {
    "train_index",
    "val_index",
    "kubeconfig",
    "venv_path",
    "trajectory_logger_src",
    "output_root",
    "docker_tls_dir",
}
REDACTED = "***redacted***"


def _load(config: Path) -> SwerlConfig:
    try:
        return load_config(config)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def redacted(cfg: SwerlConfig) -> dict:
    data = cfg.model_dump(mode="json")
    creds = data["runtime_info"]["input"]["credentials"]
    for k in SECRET_KEYS:
        if creds.get(k):
            creds[k] = REDACTED
    return data


def show(config: Path) -> None:
    cfg = _load(config)
    typer.echo(f"# resolved from {cfg._source} (defaults filled in; secrets redacted)")
    typer.echo(yaml.safe_dump(redacted(cfg), sort_keys=False, allow_unicode=True).rstrip())


def env_lines(cfg: SwerlConfig) -> list[str]:
    """`export SWERL_<SECTION>_<KEY>=value` for every input key; relative paths made absolute; no secrets."""
    lines = [f"export SWERL_CONFIG={shlex.quote(str(cfg._source))}"]
    for section, model in cfg.input:
        for key, value in model:
            if key in SECRET_KEYS:
                continue
            if key in PATH_KEYS and value:
                value = str(resolve(cfg, value).resolve())
            elif key == "model_path" and value and value not in ALIASES:
                value = str(resolve(cfg, value).resolve())
            if isinstance(value, bool):
                value = "1" if value else "0"
            lines.append(f"export SWERL_{section.upper()}_{key.upper()}={shlex.quote(str(value))}")
    c = cfg.input.credentials
    lines.append(f"export WANDB_MODE={shlex.quote(c.wandb_mode)}")
    return lines


def env(config: Path) -> None:
    typer.echo("\n".join(env_lines(_load(config))))


def _type_name(annotation) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "")


def _section_doc(name: str, model: type[BaseModel]) -> list[str]:
    out = [f"### `runtime_info.input.{name}`", ""]
    if model.__doc__ and "Section" not in model.__doc__[:20]:
        out += [model.__doc__.strip(), ""]
    out += ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key, field in model.model_fields.items():
        default = field.default
        shown = f"`{default!r}`" if default not in ("", None) else '`""`'
        desc = " ".join((field.description or "").split()).replace("|", "\\|")
        out.append(f"| `{key}` | {_type_name(field.annotation)} | {shown} | {desc} |")
    return out + [""]


def reference_text() -> str:
    lines = [
        "# Config reference",
        "",
        "Generated from `swerl/config/schema.py` by `swerl config reference -o docs/config-reference.md` — do not edit by hand.",
        "Every key is live. Unknown keys are errors (with a did-you-mean). The value `human` marks a must-fill field.",
        "Relative paths are taken against the config file's directory.",
        "",
    ]
    for name, field in InputSection.model_fields.items():
        lines += _section_doc(name, field.annotation)
    return "\n".join(lines).rstrip() + "\n"


def reference(output: Path | None) -> None:
    text = reference_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}")
