from swerl.config.load import ConfigError, load_config, resolve, wandb_key
from swerl.config.paths import RunPaths, auto_exp_name
from swerl.config.schema import SwerlConfig

__all__ = ["ConfigError", "RunPaths", "SwerlConfig", "auto_exp_name", "load_config", "resolve", "wandb_key"]
