"""Engines with real parts: the SmolLM2 LocalEngine (batched decode vs single, paused()), the GGUF→HF dir
conversion, and VLLMEngine against a stand-in of vLLM's /v1/completions (TEST DOUBLE: no GPU here)."""

from __future__ import annotations

import asyncio

import pytest
import torch

from swerl.serve.engines.base import EngineError

pytestmark = pytest.mark.integration  # real model / real processes (CI runs it; the fast lane skips it)


@pytest.fixture(scope="module")
def engine(smol_dir):
    from swerl.serve.engines.local import LocalEngine

    return LocalEngine.from_path(smol_dir)


def _prompt(tok, text: str) -> list[int]:
    return tok.encode(
        tok.apply_chat_template([{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True),
        add_special_tokens=False,
    )


def _ref_logprobs(model, prompt: list[int], out: list[int]) -> torch.Tensor:
    """Log-softmax of a plain full-sequence forward pass at each generated position."""
    with torch.inference_mode():
        lps = torch.log_softmax(model(torch.tensor([prompt + out])).logits[0, len(prompt) - 1 : -1].float(), -1)
    return lps.gather(1, torch.tensor(out)[:, None]).squeeze(1)


async def test_continuous_batching_is_exact_admits_mid_decode_and_retires_early(engine):
    """Requests joining a batch that is already decoding (and leaving it early) get exactly the tokens they get
    alone, with logprobs equal to a plain forward pass within 1e-4."""
    tok = engine.tokenizer
    long_p = _prompt(tok, "Write a long bash script that prints the numbers from one to one hundred, with comments.")
    short = [_prompt(tok, "Hi"), _prompt(tok, "Write a bash command that creates hello.txt")]
    never = [-1]  # no stop token: the long request really runs all its steps
    single_long = await engine.generate(long_p, max_tokens=24, temperature=0, stop_token_ids=never)
    singles = [await engine.generate(p, max_tokens=6, temperature=0) for p in short]

    s0 = dict(engine.stats)
    done: dict[str, float] = {}

    async def timed(name, coro):
        g = await coro
        done[name] = asyncio.get_running_loop().time()
        return g

    first = asyncio.ensure_future(
        timed("long", engine.generate(long_p, max_tokens=24, temperature=0, stop_token_ids=never))
    )
    while engine.stats["steps"] < s0["steps"] + 3:  # the long row is decoding now
        await asyncio.sleep(0.01)
    joined = await asyncio.gather(
        *[timed(f"s{i}", engine.generate(p, max_tokens=6, temperature=0)) for i, p in enumerate(short)]
    )
    got_long = await first
    assert engine.stats["joins"] > s0["joins"]  # admitted into the running batch, not queued behind it
    assert max(done["s0"], done["s1"]) < done["long"]  # retired early: answered while the long row still decodes
    assert got_long.token_ids == single_long.token_ids and got_long.finish_reason == "length"
    for g, s, p in zip(joined, singles, short):
        assert g.token_ids == s.token_ids
        assert torch.allclose(_ref_logprobs(engine.model, p, g.token_ids), torch.tensor(g.logprobs), atol=1e-4)
    ref = _ref_logprobs(engine.model, long_p, got_long.token_ids)
    assert torch.allclose(ref, torch.tensor(got_long.logprobs), atol=1e-4)


async def test_simultaneous_requests_share_batches(engine):
    tok = engine.tokenizer
    a, b = _prompt(tok, "Write a bash command that creates hello.txt"), _prompt(tok, "Hi")
    single = await engine.generate(a, max_tokens=8, temperature=0)
    before = engine.stats["batches"]
    outs = await asyncio.gather(*[engine.generate(p, max_tokens=8, temperature=0) for p in [a, b] * 4])
    assert engine.stats["batches"] - before < 8  # prefilled together, not one by one
    assert outs[0].token_ids == single.token_ids == outs[2].token_ids  # left padding changes nothing
    assert all(len(o.logprobs) == len(o.token_ids) and all(lp <= 0 for lp in o.logprobs) for o in outs)


async def test_paused_waits_for_inflight_rows_blocks_new_ones_and_new_weights_are_served(engine):
    tok = engine.tokenizer
    p = _prompt(tok, "Hi")
    before = await engine.generate(p, max_tokens=4, temperature=0)
    s0 = engine.stats["steps"]
    inflight = asyncio.ensure_future(engine.generate(p, max_tokens=12, temperature=0, stop_token_ids=[-1]))
    while engine.stats["steps"] < s0 + 2:
        await asyncio.sleep(0.01)
    emb = engine.model.get_input_embeddings().weight
    saved = emb.data.clone()
    pause = engine.paused()
    await asyncio.to_thread(pause.__enter__)  # returns once the running row has finished
    try:
        assert inflight.done() and len(inflight.result().token_ids) == 12
        task = asyncio.ensure_future(engine.generate(p, max_tokens=4, temperature=0))
        await asyncio.sleep(0.3)
        assert not task.done()  # waits while the trainer holds the engine
        emb.data.mul_(-1.0)
    finally:
        pause.__exit__(None, None, None)
    after = await task
    emb.data.copy_(saved)
    assert after.token_ids != before.token_ids


async def test_context_overflow_is_a_clear_error(engine):
    with pytest.raises(EngineError, match="exceed the context"):
        await engine.generate([1] * 10, max_tokens=engine.max_model_len)


@pytest.mark.slow
def test_converted_dir_matches_gguf_greedy(smol_dir, engine):
    """The saved HF dir (tied embeddings written, no quantization_config) answers like the GGUF model."""
    import json

    from transformers import AutoModelForCausalLM

    from swerl.serve.assets import smollm2_gguf

    conf = json.loads((smol_dir / "config.json").read_text())
    assert conf["architectures"] == ["LlamaForCausalLM"] and "quantization_config" not in conf
    g = smollm2_gguf()
    ref = AutoModelForCausalLM.from_pretrained(g.parent, gguf_file=g.name, dtype=torch.float32).eval()
    ids = torch.tensor([_prompt(engine.tokenizer, "What is 2+2?")])
    with torch.no_grad():
        out_ref = ref.generate(ids, max_new_tokens=8, do_sample=False)
        out_ours = engine.model.generate(ids, max_new_tokens=8, do_sample=False)
    assert out_ref.tolist() == out_ours.tolist()


async def test_vllm_engine_token_ids_and_sticky_replicas():
    import uvicorn  # noqa: F401  (the stand-ins are real HTTP servers)
    from fastapi import FastAPI

    from swerl.serve.engines.vllm import VLLMEngine
    from swerl.serve.gateway import GatewayServer

    def stand_in(tag: int) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/completions")
        async def completions(body: dict):
            assert body["return_token_ids"] and isinstance(body["prompt"], list)
            ids = [tag, 7, 2]
            return {
                "choices": [
                    {
                        "text": "x",
                        "token_ids": ids,
                        "finish_reason": "stop",
                        "logprobs": {"token_logprobs": [-0.5, -0.25, -0.125]},
                    }
                ],
                "prompt_token_ids": body["prompt"],
            }

        return app

    servers = [GatewayServer(stand_in(i)).start() for i in range(3)]
    try:
        eng = VLLMEngine([s.url for s in servers], "vllm_model")
        firsts = {
            (await eng.generate([1, 2, 3], max_tokens=5, session="step0-a-0-0000")).token_ids[0] for _ in range(4)
        }
        assert len(firsts) == 1  # sticky: one trial, one replica
        spread = {(await eng.generate([1], max_tokens=5, session=f"t{k}")).token_ids[0] for k in range(24)}
        assert len(spread) == 3
        g = await eng.generate([1], max_tokens=5, session="x")
        assert g.logprobs == [-0.5, -0.25, -0.125] and g.finish_reason == "stop"
        await eng.aclose()
    finally:
        for s in servers:
            s.stop()


async def test_vllm_engine_retries_transient_failures_and_raises_the_rest():
    """A 5xx and an `abort` finish with no tokens are retried (the answer is the later attempt's exact tokens), and so is a
    connection the replica drops; a 4xx is not retried; a replica that keeps failing raises EngineError."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from swerl.serve.engines.vllm import VLLMEngine
    from swerl.serve.gateway import GatewayServer

    plan: list[str] = []
    seen: list[str] = []
    app = FastAPI()

    @app.post("/v1/completions")
    async def completions(body: dict):
        mode = plan.pop(0) if plan else "ok"
        seen.append(mode)
        if mode in ("503", "500", "400"):
            return JSONResponse({"error": mode}, status_code=int(mode))
        if mode == "abort":  # aborted before sampling anything: nothing to resume (test_partial_rollout resumes)
            return {"choices": [{"token_ids": [], "finish_reason": "abort", "logprobs": None}]}
        choice = {"token_ids": [9, 8], "finish_reason": "stop", "logprobs": {"token_logprobs": [-0.5, -0.25]}}
        return {"choices": [choice]}

    drops = []

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        drops.append(await reader.read(100))
        writer.close()  # no answer: the replica went away mid-request

    dropper = await asyncio.start_server(drop, "127.0.0.1", 0)
    drop_url = f"http://127.0.0.1:{dropper.sockets[0].getsockname()[1]}"
    server = GatewayServer(app).start()
    eng = VLLMEngine([server.url], "vllm_model", retries=3, backoff_s=0.01)
    gone = VLLMEngine([drop_url], "vllm_model", retries=2, backoff_s=0.01)
    try:
        plan[:] = ["503", "abort", "500"]
        g = await eng.generate([1, 2], max_tokens=4, session="s")
        assert g.token_ids == [9, 8] and g.logprobs == [-0.5, -0.25]
        assert seen == ["503", "abort", "500", "ok"] and eng.retried == 3
        seen.clear()
        plan[:] = ["400"]
        with pytest.raises(EngineError, match="HTTP 400"):
            await eng.generate([1], max_tokens=4)
        assert seen == ["400"]  # not retried
        plan[:] = ["503"] * 4
        with pytest.raises(EngineError, match=r"HTTP 503.*after 3 retries"):
            await eng.generate([1], max_tokens=4)
        with pytest.raises(EngineError, match=r"Disconnected.*after 2 retries"):
            await gone.generate([1], max_tokens=4)
        assert len(drops) == 3 and gone.retried == 2
    finally:
        await eng.aclose()
        await gone.aclose()
        server.stop()
        dropper.close()
