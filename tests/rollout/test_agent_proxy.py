"""A real agent trial through the real chain: swerl-bash (in Harbor's Trial) → real LiteLLM proxy process →
swerl's gateway → engine → commands in a real Docker sandbox → the task's verifier → samples from the
trial's real tokens.jsonl.

Engines: ScriptedEngine (a TEST DOUBLE policy — deterministic replies in real SmolLM2 token ids: a bash block
that solves the task, then DONE) and the real SmolLM2 LocalEngine (1 turn, few tokens). One proxy per module
(~15 s to start); trials pick the engine by id (`ByTrial` from the serve tests)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from swerl.config.load import parse_config
from swerl.config.paths import make_trial_id
from swerl.rollout.agents.registry import AgentEndpoint, AgentOptions
from swerl.rollout.network import sandbox_proxy_host
from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
from swerl.rollout.samples import SampleSettings, build_samples, read_records
from tests.serve.test_chain import ByTrial

pytestmark = pytest.mark.integration
KEY = "sk-swerl-rollout-" + os.urandom(6).hex()
LABEL = "swerl-test-agent-proxy"


CLAMP_FIX = "sed -i 's/max(hi, min(lo/max(lo, min(hi/' /app/numkit/clamp.py"  # swe-mini clamp-swapped


def _call(name: str, **arguments) -> str:
    return f"<tool_call>\n{json.dumps({'name': name, 'arguments': arguments})}\n</tool_call>"


def solve_hello(prompt: str, n: int) -> str:
    """The scripted policy: one bash block that solves create-hello; DONE once a command's output came back.
    mini-swe-agent (bash tool, hermes tool-call format): the same command, then its submit command.
    The OpenHands SDK (its `terminal` and `finish` tools, hermes format): the swe-mini clamp fix as a terminal
    command, then `finish`."""
    if '"name": "terminal"' in prompt and '"name": "finish"' in prompt:
        if n == 0:  # short: the module's proxy caps a reply at 64 tokens
            return _call("terminal", command=CLAMP_FIX)
        return _call("finish", message="Fixed clamp: lo and hi were swapped.")
    if "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" in prompt:
        cmd = "echo hello > hello.txt" if n == 0 else "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
        call = {"name": "bash", "arguments": {"command": cmd}}
        return f"THOUGHT: one step.\n<tool_call>\n{json.dumps(call)}\n</tool_call>"
    if "exit code" in prompt:
        return "DONE"
    return "I will create the file.\n```bash\necho hello > hello.txt\n```"


@pytest.fixture(scope="module")
def chain(tokenizer, smol_dir, tmp_path_factory):
    from swerl.serve.engines.local import LocalEngine
    from swerl.serve.engines.scripted import ScriptedEngine
    from swerl.serve.gateway import GatewayServer, GatewaySettings, create_app
    from swerl.serve.proxy import ProxyProcess

    root = tmp_path_factory.mktemp("run")
    trials = root / "trials"
    # The proxy listens on the Docker bridge address: in-sandbox agents (mini-swe-agent) reach it there.
    cfg = parse_config(
        {
            "runtime_info": {
                "input": {
                    "model": {"model_path": str(smol_dir)},
                    "data": {},
                    "infrastructure": {"litellm_host": sandbox_proxy_host()},
                    "experiment": {"output_root": str(root)},
                }
            }
        }
    )
    scripted = create_app(
        ScriptedEngine(tokenizer, solve_hello), tokenizer, GatewaySettings(max_model_len=32768, trials_root=trials)
    )
    route = ByTrial(scripted, None)
    gw = GatewayServer(route).start()
    proxy = ProxyProcess(cfg, gw.url, trials, KEY, port=0, state_dir=root / ".swerl", max_tokens_cap=64).start()
    # Load the model while the proxy boots (both take ~15 s).
    route.local = create_app(
        LocalEngine.from_path(smol_dir),
        tokenizer,
        GatewaySettings(max_model_len=8192, trials_root=trials, temperature=0.0),
    )
    proxy.wait_ready(180)
    yield {"proxy": proxy, "trials": trials, "tokenizer": tokenizer}
    proxy.stop()
    gw.stop()


def _run(chain, row, trial_id: str, max_turns: int, max_tokens: int, agent: str = "swerl-bash"):
    s = RolloutSettings(
        trials_root=chain["trials"],
        num_workers=1,
        max_retries=0,
        run_label=LABEL,
        max_timeout_sec=240,
        agent=AgentOptions(max_turns=max_turns, max_tokens_per_turn=max_tokens),
    )
    url = chain["proxy"].base_url
    ep = AgentEndpoint(host_url=url, sandbox_url=url, api_key=KEY, model="vllm_model")
    job = TrialJob(trial_id=trial_id, task=row, group=row.instance_id, agent_name=agent)
    (out,) = asyncio.run(run_trials([job], s, ep))
    return out


def test_scripted_policy_solves_task_and_sample_matches_tokens(chain, easy_rows):
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    out = _run(chain, hello, make_trial_id(1, "create-hello", 0), max_turns=4, max_tokens=64)
    assert out.reward == 1.0 and not out.masked, out
    assert out.num_turns == 2

    recs = read_records(out.trial_dir / "tokens.jsonl")
    assert len(recs) == 2 and all(r["trial_id"] == out.trial_id for r in recs)
    (sample,) = build_samples(out, SampleSettings())
    tok = chain["tokenizer"]
    assert sample.segment == 0 and sample.reward == 1.0 and sample.num_turns == 2
    # The prompt is the rendered system + user turns, with the task's instruction in it.
    prompt_text = tok.decode(sample.prompt_ids)
    assert prompt_text == tok.decode(recs[0]["prompt_ids"])
    assert "shell agent" in prompt_text and hello.instruction.strip()[:40] in prompt_text
    assert prompt_text.rstrip().endswith("assistant")
    # mask/logprob alignment: 1 exactly on sampled tokens, which carry the engine's logprobs; 0.0 elsewhere.
    assert len(sample.response_ids) == len(sample.response_mask) == len(sample.response_logprobs)
    ones = [i for i, m in enumerate(sample.response_mask) if m]
    assert len(ones) == sum(len(r["response_ids"]) for r in recs)
    assert [sample.response_logprobs[i] for i in ones] == [lp for r in recs for lp in r["response_logprobs"]]
    assert all(sample.response_logprobs[i] == 0.0 for i, m in enumerate(sample.response_mask) if not m)
    sampled = tok.decode([sample.response_ids[i] for i in ones])
    assert "echo hello > hello.txt" in sampled and "DONE" in sampled
    tool_delta = tok.decode([t for t, m in zip(sample.response_ids, sample.response_mask) if not m])
    assert "exit code 0" in tool_delta  # the command's result went back as an unmasked-out user turn
    assert tok.decode(sample.prompt_ids + sample.response_ids) == tok.decode(
        recs[-1]["prompt_ids"] + recs[-1]["response_ids"]
    )


def test_real_smollm2_one_turn_trial_completes(chain, easy_rows):
    """The real 135M policy, greedy, 1 turn of ≤12 tokens: the trial is graded (0 or 1) and yields a sample."""
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    out = _run(chain, hello, make_trial_id(1, "local-hello", 0), max_turns=1, max_tokens=12)
    assert not out.masked and out.reward in (0.0, 1.0), out
    recs = read_records(out.trial_dir / "tokens.jsonl")
    assert len(recs) == 1 and 0 < len(recs[0]["response_ids"]) <= 13
    assert all(lp <= 0 for lp in recs[0]["response_logprobs"])
    (sample,) = build_samples(out, SampleSettings())
    assert sum(sample.response_mask) == len(recs[0]["response_ids"])


def test_mini_swe_agent_offline_in_sandbox(chain, easy_rows):
    """Harbor's mini-swe-agent runs inside the Docker sandbox from the read-only offline install (no network at
    trial start), talks to the proxy over the bridge, its bash tool call solves the task → reward 1.0."""
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    out = _run(chain, hello, make_trial_id(1, "mswea-hello", 0), max_turns=4, max_tokens=128, agent="mini-swe-agent")
    log = out.trial_dir / "agent" / "mini-swe-agent.txt"
    assert out.reward == 1.0 and not out.masked, (out, log.read_text()[-2000:] if log.is_file() else "")
    recs = read_records(out.trial_dir / "tokens.jsonl")
    assert len(recs) == 2 and [r["num_tool_calls"] for r in recs] == [1, 1]
    assert recs[1]["prompt_ids"][: len(recs[0]["prompt_ids"])] == recs[0]["prompt_ids"]  # continuous tokens
    (sample,) = build_samples(out, SampleSettings())
    assert sum(sample.response_mask) == sum(len(r["response_ids"]) for r in recs)


def test_openhands_sdk_offline_in_sandbox(chain):
    """Harbor's OpenHands SDK agent runs inside the Docker sandbox from the host-built Python 3.12 venv (mounted
    read-only, no network at trial start), calls the proxy over the bridge with OpenAI tool calls, its terminal
    tool fixes a swe-mini bug, its finish tool ends the run → the task's hidden tests give reward 1.0; the sample
    is built from the trial's tokens.jsonl."""
    from swerl.rollout.tasks import load_index

    row = next(r for r in load_index("tasks/swe-mini") if r.instance_id == "clamp-swapped")
    out = _run(chain, row, make_trial_id(1, "ohsdk-clamp", 0), max_turns=4, max_tokens=256, agent="openhands-sdk")
    log = out.trial_dir / "agent" / "openhands_sdk.txt"
    assert out.reward == 1.0 and not out.masked, (out, log.read_text()[-3000:] if log.is_file() else "")
    recs = read_records(out.trial_dir / "tokens.jsonl")
    assert len(recs) == 2 and [r["num_tool_calls"] for r in recs] == [1, 1] and out.num_turns == 2
    tok = chain["tokenizer"]
    assert "numkit/clamp.py" in tok.decode(recs[0]["response_ids"]) and '"finish"' in tok.decode(
        recs[1]["response_ids"]
    )
    assert recs[1]["prompt_ids"][: len(recs[0]["prompt_ids"])] == recs[0]["prompt_ids"]  # continuous tokens
    (sample,) = build_samples(out, SampleSettings())
    assert sample.reward == 1.0 and sum(sample.response_mask) == sum(len(r["response_ids"]) for r in recs)
    traj = json.loads((out.trial_dir / "agent" / "trajectory.json").read_text())  # Harbor's ATIF conversion
    assert traj["agent"]["name"] == "openhands-sdk" and any(s.get("tool_calls") for s in traj["steps"])
