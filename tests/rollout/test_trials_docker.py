"""Real Harbor trials in real Docker sandboxes (DockerApiEnvironment on the local daemon).

The model is a scripted stand-in OpenAI server (conftest.ScriptedOpenAI): no policy can run in a unit test;
everything else — Harbor's Trial, the sandbox, the task's verifier, the runner — is real."""

import asyncio
import subprocess

import pytest

from swerl.config.paths import make_trial_id
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
from tests.rollout.conftest import ScriptedOpenAI, run_one_trial

pytestmark = pytest.mark.integration
LABEL = "swerl-test-rollout"
SOLVE_HELLO = "I will create it.\n```bash\necho hello > hello.txt\n```"


def jobs_for(row, n, agent="swerl-bash"):
    return [
        TrialJob(trial_id=make_trial_id(1, row.instance_id, k), task=row, group=row.instance_id, agent_name=agent)
        for k in range(n)
    ]


def settings(tmp_path, **kw):
    base = dict(trials_root=tmp_path, num_workers=16, max_retries=0, run_label=LABEL, max_timeout_sec=120)
    base.update(kw)
    return RolloutSettings(**base)


@pytest.fixture
def hello(easy_rows):
    return next(r for r in easy_rows if r.instance_id == "create-hello")


def test_swerl_bash_solves_through_trial_url(tmp_path, hello):
    out, srv = run_one_trial(
        hello, [SOLVE_HELLO, "DONE"], settings(tmp_path), agent="swerl-bash", api_key="sk-test", model="vllm_model"
    )
    assert out.reward == 1.0 and not out.masked, out
    assert out.num_turns == 2
    assert all(r["path"] == f"/trial/{out.trial_id}/v1/chat/completions" for r in srv.requests)
    assert srv.requests[0]["auth"] == "Bearer sk-test" and srv.requests[0]["body"]["model"] == "vllm_model"
    assert srv.requests[1]["body"]["messages"][-1]["content"].startswith("exit code 0")
    assert (out.trial_dir / "result.json").is_file() and (out.trial_dir / "verifier" / "reward.txt").is_file()


def test_wrong_answer_is_reward_zero_and_proxy_failure_is_masked(tmp_path, hello):
    srv = ScriptedOpenAI(["```bash\necho nope > hello.txt\n```", "DONE"])
    try:
        ep = AgentEndpoint(host_url=srv.url, api_key="k")
        (wrong,) = asyncio.run(run_trials(jobs_for(hello, 1), settings(tmp_path), ep))
    finally:
        srv.close()
    assert wrong.reward == 0.0 and not wrong.masked
    dead = AgentEndpoint(host_url="http://127.0.0.1:9", api_key="k")  # nothing listens on the discard port
    (masked,) = asyncio.run(run_trials(jobs_for(hello, 1), settings(tmp_path), dead))
    assert masked.masked and masked.reward is None and masked.mask_reason == "proxy_error"


def test_16_concurrent_with_2_sandboxes_killed(tmp_path, hello):
    """14 graded + 2 masked (sandbox_died), nothing lost, no container left behind."""
    srv = ScriptedOpenAI(["```bash\nsleep 4; echo hello > hello.txt\n```", "DONE"])
    ep = AgentEndpoint(host_url=srv.url, api_key="k")
    jobs = jobs_for(hello, 16)

    async def main():
        run = asyncio.create_task(run_trials(jobs, settings(tmp_path), ep))
        victims: list[str] = []
        for _ in range(200):  # wait until the agents are inside their `sleep`
            await asyncio.sleep(0.25)
            if sum(srv.calls.values()) >= 16:
                break
        await asyncio.sleep(1.0)
        for j in jobs[:2]:
            ids = subprocess.run(
                ["docker", "ps", "-q", "--filter", f"label=swerl.trial={j.trial_id}__env"],
                capture_output=True,
                text=True,
            ).stdout.split()
            victims += ids
            subprocess.run(["docker", "kill", *ids], capture_output=True)
        return await run, victims

    try:
        outs, victims = asyncio.run(main())
    finally:
        srv.close()
    assert len(victims) == 2
    assert len(outs) == 16
    killed = {j.trial_id for j in jobs[:2]}
    for o in outs:
        if o.trial_id in killed:
            assert o.masked and o.reward is None and o.mask_reason == "sandbox_died", o
        else:
            assert o.reward == 1.0 and not o.masked, o
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=swerl.run={LABEL}"], capture_output=True, text=True
    )
    assert left.stdout.split() == []


def test_deadline_and_tail_killer_mask_stragglers(tmp_path, hello):
    """A trial past max_timeout_sec → masked `deadline`; once 3/4 finished, a straggler past the grace →
    masked `tail_killed`; the fast ones keep their rewards; no container is left."""
    srv = ScriptedOpenAI([SOLVE_HELLO, "DONE"])
    try:
        ep = AgentEndpoint(host_url=srv.url, api_key="k")
        jobs = jobs_for(hello, 4)
        srv.replies_by_trial = {jobs[3].trial_id: ["```bash\nsleep 60\n```"]}
        outs = asyncio.run(run_trials(jobs, settings(tmp_path, tail_kill_fraction=0.75, tail_kill_grace_sec=2), ep))
        late = jobs_for(hello, 1)
        srv.replies_by_trial = {late[0].trial_id: ["```bash\nsleep 60\n```"]}
        (dl,) = asyncio.run(run_trials(late, settings(tmp_path, max_timeout_sec=5), ep))
    finally:
        srv.close()
    assert [o.reward for o in outs[:3]] == [1.0, 1.0, 1.0]
    assert outs[3].masked and outs[3].mask_reason == "tail_killed"  # a finished `sleep 60` would have a reward
    assert dl.masked and dl.mask_reason == "deadline"
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=swerl.run={LABEL}"], capture_output=True, text=True
    )
    assert left.stdout.split() == []


def test_endless_output_is_cut_off_and_the_trial_goes_on(tmp_path, hello, monkeypatch):
    """In Docker too: a command that prints forever stops being read at the sandbox output limit (small here),
    the agent sees the cut-off note and the next command runs; the container goes at teardown."""
    from swerl.rollout.envs import output

    monkeypatch.setattr(output, "KEEP_BYTES", 4096)
    monkeypatch.setattr(output, "MAX_BYTES", 8 << 20)
    out, srv = run_one_trial(
        hello,
        ["```bash\nyes\n```", SOLVE_HELLO, "DONE"],
        settings(tmp_path),
        agent="swerl-bash",
        api_key="sk-test",
        model="vllm_model",
    )
    assert out.reward == 1.0 and not out.masked, out
    assert srv.requests[1]["body"]["messages"][-1]["content"].count("y\n") > 100
    assert "command cut off" in srv.requests[1]["body"]["messages"][-1]["content"]
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=swerl.run={LABEL}"], capture_output=True, text=True
    )
    assert left.stdout.split() == []


def test_a_huge_log_file_is_copied_out_bounded(tmp_path, hello, monkeypatch):
    """A policy that writes 24 MB into the agent's log dir: the copy out of the container streams and keeps
    the bound (small here) with the marker; the trial still grades. (Docker used to join the whole archive in
    the rollout process's memory.)"""
    from swerl.rollout.envs import copyout

    monkeypatch.setattr(copyout, "FILE_LIMIT", 1 << 20)
    monkeypatch.setattr(copyout, "TAIL_BYTES", 64 << 10)
    fill = "```bash\nhead -c 24000000 /dev/zero | tr '\\0' y > /logs/agent/big.txt && ls -l /logs/agent\n```"
    out, srv = run_one_trial(
        hello,
        [fill, SOLVE_HELLO, "DONE"],
        settings(tmp_path),
        agent="swerl-bash",
        api_key="sk-test",
        model="vllm_model",
    )
    assert out.reward == 1.0 and not out.masked, out
    assert "24000000" in srv.requests[1]["body"]["messages"][-1]["content"]
    got = (out.trial_dir / "agent" / "big.txt").read_bytes()
    note = copyout.dropped_note(24_000_000 - (1 << 20))
    assert got == b"y" * ((1 << 20) - (64 << 10)) + note + b"y" * (64 << 10)
