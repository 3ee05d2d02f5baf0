"""A STAND-IN for a vLLM replica (what cannot run without a GPU): `/v1/completions` (token-id prompts →
`token_ids` + `logprobs`, the fields swerl's VLLMEngine reads) and `/v1/chat/completions`, each reply
`--tokens` long after `--delay` seconds, with no concurrency limit — so at any load the time a request takes is
the delay plus what the layers in front of it add. For measuring the gateway and proxy on a CPU host.

    python dev/gpu/standin_replica.py --port 8100 --tokens 128 --delay 0.5
"""

from __future__ import annotations

import argparse
import asyncio
import random

from aiohttp import web


def app(tokens: int, delay: float, vocab: int = 40_000) -> web.Application:
    rng = random.Random(0)

    async def models(_: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "vllm_model", "object": "model"}]})

    async def completions(request: web.Request) -> web.Response:
        body = await request.json()
        n = min(tokens, int(body.get("max_tokens") or tokens))
        await asyncio.sleep(delay)
        ids = [rng.randrange(100, vocab) for _ in range(n)]
        lps = [-0.01 * (1 + i % 7) for i in range(n)]
        choice = {
            "index": 0,
            "text": "",
            "token_ids": ids,
            "finish_reason": "length",
            "logprobs": {"token_logprobs": lps},
        }
        return web.json_response({"id": "cmpl-standin", "object": "text_completion", "choices": [choice]})

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        n = min(tokens, int(body.get("max_tokens") or tokens))
        await asyncio.sleep(delay)
        msg = {"role": "assistant", "content": "x " * n}
        usage = {"prompt_tokens": 20, "completion_tokens": n, "total_tokens": 20 + n}
        return web.json_response(
            {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": msg, "finish_reason": "length"}],
                "usage": usage,
            }
        )

    a = web.Application()
    a.router.add_get("/v1/models", models)
    a.router.add_post("/v1/completions", completions)
    a.router.add_post("/v1/chat/completions", chat)
    return a


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--delay", type=float, default=0.5)
    a = ap.parse_args()
    web.run_app(app(a.tokens, a.delay), host=a.host, port=a.port, print=None, access_log=None, backlog=4096)


if __name__ == "__main__":
    main()
