"""Engines with real parts: the SmolLM2 LocalEngine (batched decode vs single, paused()), the GGUF→HF dir
conversion, and VLLMEngine against a stand-in of vLLM's /v1/completions (TEST DOUBLE: no GPU here)."""

from __future__ import annotations

import asyncio

import pytest
import torch

from swerl.serve.engines.base import EngineError


@pytest.fixture(scope="module")
def engine(smol_dir):
    from swerl.serve.engines.local import LocalEngine

    return LocalEngine.from_path(smol_dir)


def _prompt(tok, text: str) -> list[int]:
    return tok.encode(tok.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                              add_generation_prompt=True), add_special_tokens=False)


async def test_batched_greedy_equals_single_and_logprobs_align(engine):
    tok = engine.tokenizer
    a, b = _prompt(tok, "Write a bash command that creates hello.txt"), _prompt(tok, "Hi")
    single = await engine.generate(a, max_tokens=12, temperature=0)
    before = engine.stats["batches"]
    outs = await asyncio.gather(*[engine.generate(p, max_tokens=12, temperature=0) for p in [a, b, a, b, a, b, a, b]])
    assert engine.stats["batches"] - before < 8  # they were batched, not run one by one
    assert outs[0].token_ids == single.token_ids == outs[2].token_ids  # left padding changes nothing
    assert all(len(o.logprobs) == len(o.token_ids) and all(lp <= 0 for lp in o.logprobs) for o in outs)
    # logprob of each greedy token equals the model's own log-softmax at that position
    full = torch.tensor([a + single.token_ids])
    with torch.no_grad():
        lps = torch.log_softmax(engine.model(full).logits[0, len(a) - 1:-1].float(), -1)
    ref = lps.gather(1, torch.tensor(single.token_ids)[:, None]).squeeze(1)
    assert torch.allclose(ref, torch.tensor(single.logprobs), atol=1e-3)


async def test_paused_blocks_generation_and_new_weights_are_served(engine):
    tok = engine.tokenizer
    p = _prompt(tok, "Hi")
    before = await engine.generate(p, max_tokens=4, temperature=0)
    emb = engine.model.get_input_embeddings().weight
    saved = emb.data.clone()
    with engine.paused():
        task = asyncio.ensure_future(engine.generate(p, max_tokens=4, temperature=0))
        await asyncio.sleep(0.3)
        assert not task.done()  # waits while the trainer holds the engine
        emb.data.mul_(-1.0)
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
            return {"choices": [{"text": "x", "token_ids": ids, "finish_reason": "stop",
                                 "logprobs": {"token_logprobs": [-0.5, -0.25, -0.125]}}], "prompt_token_ids": body["prompt"]}

        return app

    servers = [GatewayServer(stand_in(i)).start() for i in range(3)]
    try:
        eng = VLLMEngine([s.url for s in servers], "vllm_model")
        firsts = {(await eng.generate([1, 2, 3], max_tokens=5, session="step0-a-0-0000")).token_ids[0] for _ in range(4)}
        assert len(firsts) == 1  # sticky: one trial, one replica
        spread = {(await eng.generate([1], max_tokens=5, session=f"t{k}")).token_ids[0] for k in range(24)}
        assert len(spread) == 3
        g = await eng.generate([1], max_tokens=5, session="x")
        assert g.logprobs == [-0.5, -0.25, -0.125] and g.finish_reason == "stop"
        await eng.aclose()
    finally:
        for s in servers:
            s.stop()
