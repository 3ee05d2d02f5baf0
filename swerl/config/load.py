"""Read config.yaml into a SwerlConfig, with one-line errors that name the key and the fix."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from swerl.config.schema import HUMAN, SwerlConfig

DEFAULT_CONFIG = "config.yaml"


class ConfigError(Exception):
    """A config problem, already phrased as one line: the key, what is wrong, the fix."""


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names valid at `loc` (used for the "did you mean" hint)."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return []
        model = field.annotation
    return list(model.model_fields)


def _one_line(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = tuple(e.get("loc", ()))
    key = ".".join(str(p) for p in loc) or "<root>"
    kind = e.get("type", "")
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _known_keys(SwerlConfig, loc), n=1)
        hint = f" — did you mean '{close[0]}'?" if close else " — remove it (see README 'Config reference')"
        return f"config: unknown key '{key}'{hint}"
    if kind == "missing":
        return f"config: missing required key '{key}' — add it (see config.yaml for the layout)"
    msg = e.get("msg", "invalid value").removeprefix("Value error, ")
    if kind.startswith("value_error") and not loc:
        return f"config: {msg}"
    got = e.get("input")
    got_s = "" if isinstance(got, dict) else f" (got {got!r})"
    return f"config: '{key}': {msg}{got_s} — fix this value in the config"


def load_raw(path: str | os.PathLike) -> dict:
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"config: {p} not found — pass --config PATH or copy config.yaml from the repo")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config: {p} is not valid YAML{where} — fix the syntax") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config: {p} must be a mapping with 'runtime_info.input' — see config.yaml")
    return data


def parse_config(data: dict) -> SwerlConfig:
    try:
        cfg = SwerlConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_one_line(err)) from None
    left = cfg.human_fields()
    if left:
        raise ConfigError(f"config: '{left[0]}' is still '{HUMAN}' — fill in a real value before running")
    return cfg


SET_ENV = "SWERL_SET"
"""`--set section.key=value` overrides, as a JSON list of strings: set by the CLI, inherited by every process
the command starts (start.sh → trainer), applied by every load_config."""


def overrides() -> list[str]:
    raw = os.environ.get(SET_ENV, "")
    if not raw:
        return []
    try:
        items = json.loads(raw)
    except ValueError:
        raise ConfigError(f"${SET_ENV} is not a JSON list of 'section.key=value' strings — unset it") from None
    return [str(x) for x in items]


def push_overrides(items: list[str]) -> None:
    """Add `--set` items for this process and everything it starts (later items win)."""
    if items:
        os.environ[SET_ENV] = json.dumps([*overrides(), *items])


def apply_overrides(data: dict, items: list[str]) -> dict:
    """`section.key=value` (YAML value) under runtime_info.input; `runtime_info.…`/`meta_info.…` as given."""
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: write section.key=value (e.g. --set training.total_training_steps=2)")
        parts = key.split(".")
        if parts[0] not in ("runtime_info", "meta_info"):
            parts = ["runtime_info", "input", *parts]
        node = data
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise ConfigError(f"--set {item!r}: '{part}' is a value, not a section")
            node = nxt
        try:
            node[parts[-1]] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            node[parts[-1]] = value
    return data


def load_config(path: str | os.PathLike = DEFAULT_CONFIG) -> SwerlConfig:
    """Load and validate a config file (plus `--set` overrides). Raises ConfigError (one line) on any problem."""
    data = load_raw(path)
    items = overrides()
    if items:
        apply_overrides(data, items)
    try:
        cfg = parse_config(data)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (with --set {' '.join(items)})" if items else str(exc)) from None
    cfg._source = Path(path).resolve()
    return cfg


def config_dir(cfg: SwerlConfig) -> Path:
    src = cfg._source
    return src.parent if src else Path.cwd()


def resolve(cfg: SwerlConfig, value: str) -> Path:
    """A path from the config, relative ones taken against the config file's directory."""
    p = Path(os.path.expandvars(os.path.expanduser(value)))
    return p if p.is_absolute() else (config_dir(cfg) / p)


def wandb_key(cfg: SwerlConfig) -> tuple[str, str]:
    """(key, source): `$WANDB_API_KEY` wins over the config value. Never print the key."""
    env = os.environ.get("WANDB_API_KEY", "")
    if env:
        return env, "env"
    if cfg.input.credentials.wandb_api_key:
        return cfg.input.credentials.wandb_api_key, "config"
    return "", ""
