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
import os
import random
import socket
import threading
import time
from pathlib import Path

import ray
import yaml

ROOT = Path(__file__).parents[2]
PROXY_MODULE, GATEWAY_MODULE = b"swerl.serve.proxy.launch", b"swerl.serve.gateway.main"

GOOD = "```bash\necho hello > hello.txt\n```"
BAD = "```bash\necho nope > hello.txt\n```"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def standin_config(tmp_path: Path, smol_dir, exp: str, **sections: dict) -> Path:
    """configs/gpu-1x-smollm2.yaml for a CPU host: the resolved SmolLM2 dir, tasks/easy, local-process sandboxes,
    outputs under tmp_path; `sections` update the config's sections (e.g. `training={...}`)."""
    d = yaml.safe_load((ROOT / "configs" / "gpu-1x-smollm2.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["model"]["model_path"] = str(smol_dir)
    i["data"]["train_index"] = str(ROOT / "tasks" / "easy")
    i["harbor_agent"].update(
        environment_import_path="swerl.rollout.envs.local_process:LocalProcessEnvironment",
        max_timeout_sec=120,
        max_retries=0,
    )
    i["experiment"].update(output_root=str(tmp_path), exp_name=exp)
    for name, values in sections.items():
        i[name].update(values)
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(d, sort_keys=False))
    return p


def run_env(cfg_path: Path, exp: str, run_state_file: Path, sandboxes: Path, tag: Path) -> dict[str, str]:
    """What `swerl train` hands every worker of the run (through Ray's runtime_env); `SWERL_TEST_TAG` marks this
    test's processes for `swerl_procs`."""
    return {
        "SWERL_CONFIG": str(cfg_path),
        "SWERL_EXP": exp,
        "SWERL_RUN_STATE": str(run_state_file),
        "SWERL_LOCAL_SANDBOX_DIR": str(sandboxes),
        "SWERL_TEST_TAG": str(tag),
        "PYTHONPATH": str(ROOT),
        "HARBOR_TELEMETRY": "0",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def swerl_procs(tag: str, module: bytes = PROXY_MODULE) -> list[int]:
    """Pids of a swerl module (the proxy launcher, the gateway) whose env names this test's output root."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if module in cmd and tag.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                out.append(int(pid))
        except OSError:
            continue
    return out


def hello_prompts(hello, uid_prefix: str, count: int, global_steps: int = 1) -> list[dict]:
    """`count` verl prompts of the create-hello task row, as verl's v1 worker passes them to `run()`."""
    return [
        {
            "uid": f"{uid_prefix}x{j}",
            "global_steps": global_steps,
            "index": j,
            "data_source": "harbor",
            "raw_prompt": [{"role": "user", "content": hello.instruction}],
            "extra_info": {
                "instance_id": hello.instance_id,
                "index": j,
                "split": "train",
                "harbor_agent": "",
                "harbor_task_path": str(hello.task_path),
            },
        }
        for j in range(count)
    ]


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
