"""`python -m swerl.serve.gateway.main`: the gateway in its own process over HTTP vLLM replicas (verl's).

Its own process means its own interpreter lock: rendering, tokenizing and the HTTP work of hundreds of
concurrent calls do not compete with the trial scheduler in the process that starts it. Settings come from
the config through `swerl.serve.stack.gateway_settings`, as in-process gateways get them. Exits with its parent
(`swerl.run.orphan.watch_parent`).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m swerl.serve.gateway.main", description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--replicas", required=True, help="comma-separated host:port of the vLLM OpenAI servers")
    ap.add_argument("--model", required=True, help="the model name the replicas answer to")
    ap.add_argument("--model-dir", required=True, help="HF dir of the policy (tokenizer + chat template)")
    ap.add_argument("--trials-root", default="")
    ap.add_argument("--max-len", type=int, default=0)
    ap.add_argument("--max-tokens-cap", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args(argv)

    import uvicorn
    from transformers import AutoTokenizer

    from swerl.config.load import load_config
    from swerl.run.orphan import watch_parent
    from swerl.serve.engines.vllm import VLLMEngine
    from swerl.serve.gateway.app import create_app
    from swerl.serve.stack import gateway_settings

    watch_parent()
    cfg = load_config(a.config)
    settings = gateway_settings(cfg, Path(a.trials_root) if a.trials_root else None, a.max_len or None)
    if a.max_tokens_cap:
        settings = settings.model_copy(update={"max_tokens_cap": a.max_tokens_cap})
    engine = VLLMEngine([r for r in a.replicas.split(",") if r], a.model)
    app = create_app(engine, AutoTokenizer.from_pretrained(a.model_dir), settings)
    uvicorn.run(app, host=a.host, port=a.port, log_level="warning", access_log=False, timeout_keep_alive=75)


if __name__ == "__main__":
    main()
