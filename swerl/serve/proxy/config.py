"""The LiteLLM proxy config, generated per run: every alias routes to swerl's gateway (`hosted_vllm`)."""

from __future__ import annotations

from pathlib import Path

import yaml

CALLBACK = "swerl.serve.proxy.callbacks.handler"


def proxy_config(served: str, gateway_url: str, master_key_env: str, request_timeout: int = 900) -> dict:
    """`claude-*` (wildcard), `hosted_vllm/<served>` and `<served>` → `hosted_vllm/<served>` at the gateway.
    The master key is referenced by env var name, so it never lands in the file."""
    params = {"model": f"hosted_vllm/{served}", "api_base": f"{gateway_url.rstrip('/')}/v1", "api_key": "unused"}
    aliases = ["claude-*", f"hosted_vllm/{served}", served]
    return {
        "model_list": [{"model_name": a, "litellm_params": dict(params)} for a in aliases],
        "litellm_settings": {"drop_params": True, "num_retries": 0, "request_timeout": request_timeout,
                             "callbacks": [CALLBACK], "telemetry": False},
        "router_settings": {"num_retries": 0},
        "general_settings": {"master_key": f"os.environ/{master_key_env}"},
    }


def write_proxy_config(path: Path, conf: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(conf, sort_keys=False))
    return path
