"""What the verl-path tests stand in for, because it needs a GPU: verl's vLLM replica (a STAND-IN OpenAI
`/v1/completions` server registered as the Ray actor `vllm_server_0_0`, as verl's is) and verl's v1 agent-loop
worker (a Ray actor that instantiates the agent loop through hydra with the arguments verl's AgentLoopWorker
passes, and calls `run()` for the n sessions of each prompt like `AgentLoopWorkerTQ._run_prompt`). Everything
behind `run()` is the real code: the node's NodeStack actor, the real LiteLLM proxy, swerl's gateway, Harbor
trials in local-process sandboxes, the swerl-bash agent and the tasks' own verifiers.

Stand-in policy (per first call of a trial, seeded by the prompt's position in a counter): `good` writes the
answer (reward 1), `bad` writes a wrong one (reward 0), `slow` stalls for a minute (the tail-killer masks it).
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time

import ray

GOOD = "```bash\necho hello > hello.txt\n```"
BAD = "```bash\necho nope > hello.txt\n```"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@ray.remote(num_cpus=0)
class StandInReplica:
    """A stand-in vLLM replica: real HTTP, token ids from the real tokenizer, a visible logprob pattern."""

    def __init__(self, tokenizer_dir: str, slow_fraction: float, bad_fraction: float, seed: int = 0):
        import uvicorn
        from fastapi import FastAPI
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(tokenizer_dir)
        rng = random.Random(seed)
        self.calls = 0
        self.active = 0
        self.peak = 0
        app = FastAPI()
        outer = self

        @app.get("/v1/models")
        async def models():
            return {"data": [{"id": "vllm_model"}]}

        @app.post("/v1/completions")
        async def completions(body: dict):
            outer.calls += 1
            outer.active += 1
            outer.peak = max(outer.peak, outer.active)
            try:
                text = tok.decode(body["prompt"])
                last_user = text.rsplit("<|im_start|>user", 1)[-1]
                if "reply DONE" not in last_user:  # the task turn (not a command's feedback turn)
                    r = rng.random()
                    if r < slow_fraction:
                        await asyncio.sleep(60)
                        reply = GOOD
                    else:
                        reply = BAD if r < slow_fraction + bad_fraction else GOOD
                else:
                    reply = "DONE"
                ids = tok.encode(reply, add_special_tokens=False)[: body["max_tokens"] - 1]
                ids.append((body.get("stop_token_ids") or [tok.eos_token_id])[0])
                return {
                    "choices": [
                        {
                            "text": reply,
                            "token_ids": ids,
                            "finish_reason": "stop",
                            "logprobs": {"token_logprobs": [-0.01 * (1 + i % 7) for i in range(len(ids))]},
                        }
                    ]
                }
            finally:
                outer.active -= 1

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        threading.Thread(target=self.server.run, daemon=True).start()
        deadline = time.time() + 30
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)

    def get_server_address(self):
        return ("127.0.0.1", self.port)

    def counters(self) -> dict:
        return {"calls": self.calls, "peak": self.peak}


@ray.remote(num_cpus=0)
class StandInAgentLoopWorker:
    """verl's v1 agent-loop worker, reduced to what reaches our agent loop: hydra-instantiated with verl's
    constructor arguments, `run(sampling_params, session_id=i, **prompt)` for i in range(n)."""

    def __init__(self, tokenizer_dir: str):
        import hydra
        from omegaconf import OmegaConf
        from transformers import AutoTokenizer
        from verl.experimental.agent_loop.agent_loop import DictConfigWrap
        from verl.utils.dataset.rl_dataset import RLHFDataset

        from swerl.train.verl_engine.command import AGENT_TARGET

        self.tok = AutoTokenizer.from_pretrained(tokenizer_dir)
        trainer = OmegaConf.create({"actor_rollout_ref": {"rollout": {"n": 8}}})
        self.make = lambda: hydra.utils.instantiate(
            config={"_target_": AGENT_TARGET},
            trainer_config=DictConfigWrap(config=trainer),
            server_manager=None,
            tokenizer=self.tok,
            processor=None,
            hf_model_type="llama",
            dataset_cls=RLHFDataset,
            data_config=DictConfigWrap(OmegaConf.create({})),
        )

    async def run_prompts(self, prompts: list[dict], n: int) -> dict[str, list]:
        """{f"{uid}_{session_id}": [AgentLoopOutput …]} for every session of every prompt."""
        sampling = {"temperature": 1.0, "top_p": 1.0, "top_k": -1, "repetition_penalty": 1.0, "logprobs": True}

        async def session(prompt: dict, i: int):
            return f"{prompt['uid']}_{i}", await self.make().run(dict(sampling), session_id=i, **prompt)

        pairs = await asyncio.gather(*(session(p, i) for p in prompts for i in range(n)))
        return dict(pairs)
