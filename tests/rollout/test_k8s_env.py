"""KubernetesEnvironment with the real `kubernetes` client against a stand-in API server (tests/rollout/fake_k8s.py:
TEST DOUBLE for the cluster — REST + the exec websocket protocol, pods backed by local Docker containers).
Harbor's Trial, the task verifiers and the swerl-bash agent are real."""

import asyncio

import pytest

from swerl.config.paths import make_trial_id
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.runner import K8S, RolloutSettings, TrialJob, run_trials
from swerl.rollout.tasks import load_index
from swerl.rollout.validate import validate_tasks
from tests.rollout.conftest import ScriptedOpenAI, run_one_trial
from tests.rollout.fake_k8s import FakeK8s

pytestmark = pytest.mark.integration


@pytest.fixture
def api(tmp_path):
    fake = FakeK8s(image_ok=lambda image: image.startswith("swerl/"))
    yield fake, fake.kubeconfig(tmp_path / "kubeconfig.json")
    fake.close()


def settings(tmp_path, kubeconfig, **kw):
    env = {
        "kubeconfig": kubeconfig,
        "namespace": "trials",
        "pod_name_prefix": "swerltest",
        "startup_timeout_sec": 30,
        "active_deadline_sec": 900,
        "image_pull_policy": "Never",
        "cpu_request": "500m",
        "memory_request": "1Gi",
    }
    env.update(kw.pop("env", {}))
    return RolloutSettings(
        trials_root=tmp_path / "trials",
        num_workers=4,
        max_retries=0,
        max_timeout_sec=120,
        environment_import_path=K8S,
        environment_kwargs=env,
        run_label="exp-k8s",
        **kw,
    )


def test_gold_and_noop_grade_in_pods(api, tmp_path):
    """Oracle → 1.0, nop → 0.0 on a task with COPY'd files and on a pytest (swe-mini) task; pods carry the labels,
    namespace, deadline, requests and pull policy; every pod is deleted."""
    fake, kc = api
    rows = [r for r in load_index("tasks") if r.instance_id in ("fix-echo", "bsearch-last")]
    checks = asyncio.run(validate_tasks(rows, settings(tmp_path, kc)))
    assert [(c.task_id, c.problem) for c in checks if c.problem] == [] and len(checks) == 2
    assert len(fake.created) == 4 and sorted(fake.deleted) == sorted(p["metadata"]["name"] for p in fake.created)
    assert fake.pods == {}
    pod = fake.created[0]
    meta, spec = pod["metadata"], pod["spec"]
    assert meta["namespace"] == "trials" and meta["name"].startswith("swerltest-")
    assert meta["labels"]["harbor-run"] == "swerltest" and meta["labels"]["swerl.run"] == "exp-k8s"
    assert spec["activeDeadlineSeconds"] == 900 and spec["restartPolicy"] == "Never"
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "Never" and c["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert {p["spec"]["containers"][0]["image"] for p in fake.created} == {
        "swerl/base:bookworm",
        "swerl/base-py:bookworm",
    }
    assert set(fake.protocols) == {"v5.channel.k8s.io"}
    assert any(argv[:2] == ["sh", "-c"] and "tar xf -" in argv[2] for argv in fake.execs)  # copy in: tar over exec
    assert any(argv[:2] == ["tar", "cf"] for argv in fake.execs)  # copy out


def test_agent_trial_in_pod(api, tmp_path, easy_rows):
    """swerl-bash's commands run in the pod through exec (output comes back), the verifier grades 1.0."""
    fake, kc = api
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    srv = ScriptedOpenAI(["```bash\necho hello > hello.txt && pwd && echo oops >&2; exit 3\n```", "DONE"])
    job = TrialJob(trial_id=make_trial_id(2, "create-hello", 0), task=hello, group="g")
    try:
        (out,) = asyncio.run(run_trials([job], settings(tmp_path, kc), AgentEndpoint(host_url=srv.url, api_key="k")))
    finally:
        srv.close()
    assert out.reward == 1.0 and not out.masked, out
    tool_msg = srv.requests[1]["body"]["messages"][-1]["content"]
    assert tool_msg.startswith("exit code 3") and "/app" in tool_msg and "oops" in tool_msg
    assert fake.pods == {}


def test_image_pull_error_fails_fast_and_pod_is_deleted(api, tmp_path, easy_rows):
    fake, kc = api
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    job = TrialJob(trial_id=make_trial_id(2, "pull", 0), task=hello, group="g", agent_name="oracle")
    s = settings(tmp_path, kc, env={"image": "registry.invalid/nope:1"})
    (out,) = asyncio.run(run_trials([job], s))
    assert out.masked and out.reward is None
    assert "ErrImagePull" in out.error or "ErrImagePull" in (out.trial_dir / "exception.txt").read_text()
    assert fake.pods == {} and len(fake.deleted) == 1


def test_startup_timeout_masks_trial(tmp_path, easy_rows):
    fake = FakeK8s(start_delay=60)  # the pod stays Pending
    try:
        hello = next(r for r in easy_rows if r.instance_id == "create-hello")
        job = TrialJob(trial_id=make_trial_id(2, "slow", 0), task=hello, group="g", agent_name="oracle")
        s = settings(tmp_path, fake.kubeconfig(tmp_path / "kc.json"), env={"startup_timeout_sec": 2})
        (out,) = asyncio.run(run_trials([job], s))
    finally:
        fake.close()
    assert out.masked and out.mask_reason == "sandbox_start", out
    assert len(fake.created) == 1 and fake.deleted == [fake.created[0]["metadata"]["name"]]  # deleted while Pending


def test_empty_prefix_is_refused():
    from swerl.rollout.envs.k8s import KubernetesEnvironment

    with pytest.raises(ValueError, match="pod_name_prefix is empty"):
        KubernetesEnvironment(pod_name_prefix="")


def test_endless_output_in_a_pod_is_cut_off(api, tmp_path, easy_rows, monkeypatch):
    """In a pod too: a command that prints forever stops being read at the sandbox output limit (small here),
    the agent sees the cut-off note, the next command runs and the pod goes at teardown."""
    from swerl.rollout.envs import output

    monkeypatch.setattr(output, "KEEP_BYTES", 4096)
    monkeypatch.setattr(output, "MAX_BYTES", 4 << 20)
    fake, kc = api
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    out, srv = run_one_trial(
        hello, ["```bash\nyes\n```", "```bash\necho hello > hello.txt\n```", "DONE"], settings(tmp_path, kc)
    )
    assert out.reward == 1.0 and not out.masked, out
    seen = srv.requests[1]["body"]["messages"][-1]["content"]
    assert seen.count("y\n") > 100 and "command cut off" in seen, seen[-300:]
    assert fake.pods == {}
