"""The LiteLLM proxy config, generated per run: every alias routes to swerl's gateway (`hosted_vllm`)."""

from __future__ import annotations

from pathlib import Path

import yaml

CALLBACK = "swerl.serve.proxy.callbacks.handler"


USER_CALLBACK_OBJECT = "proxy_handler_instance"
"""The object a custom callback file (`experiment.trajectory_logger_src`) must define — LiteLLM's convention."""


def proxy_config(
    served: str, gateway_url: str, master_key_env: str, request_timeout: int = 900, callback: str = CALLBACK
) -> dict:
    """`claude-*` (wildcard), `hosted_vllm/<served>` and `<served>` → `hosted_vllm/<served>` at the gateway.
    The master key is referenced by env var name, so it never lands in the file. `callback`: swerl's trajectory
    logger, or `<module>.proxy_handler_instance` of a user file copied next to the config."""
    params = {
        "model": f"hosted_vllm/{served}",
        "api_base": f"{gateway_url.rstrip('/')}/v1",
        "api_key": "unused",
    }
    # our own policy costs nothing. Said once per deployment (`model_info`, registered when the router starts),
    # it spares LiteLLM its per-call zero-cost diagnosis (a scan of the provider's price table: ~25 % of a worker's
    # CPU at 128 streams); in `litellm_params` it would re-register the price per call (~10 % of the call's CPU).
    zero_price = {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0}
    aliases = ["claude-*", f"hosted_vllm/{served}", served]
    return {
        "model_list": [
            {"model_name": a, "litellm_params": dict(params), "model_info": dict(zero_price)} for a in aliases
        ],
        "litellm_settings": {
            "drop_params": True,
            "num_retries": 0,
            "request_timeout": request_timeout,
            "callbacks": [callback],
            "telemetry": False,
        },
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": f"os.environ/{master_key_env}"},
    }


def write_proxy_config(path: Path, conf: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(conf, sort_keys=False))
    return path


def install_user_callback(src: Path, config_dir: Path) -> str:
    """Copy `experiment.trajectory_logger_src` next to the proxy config (LiteLLM imports callbacks relative to
    it) → the callbacks entry. The file must define `proxy_handler_instance` (a litellm CustomLogger)."""
    src = Path(src)
    text = src.read_text()
    if USER_CALLBACK_OBJECT not in text:
        raise ValueError(
            f"experiment.trajectory_logger_src={src} defines no `{USER_CALLBACK_OBJECT}` — LiteLLM "
            "loads that object (an instance of litellm.integrations.custom_logger.CustomLogger)"
        )
    module = "swerl_user_callback_" + "".join(c if c.isalnum() else "_" for c in src.stem)
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / f"{module}.py").write_text(text)
    return f"{module}.{USER_CALLBACK_OBJECT}"
