"""The Agent preflight family: mounted agents (mini-swe-agent, the OpenHands SDK) need local Docker sandboxes,
and their offline install is reported as built or not (with the command that builds it)."""

from __future__ import annotations

import io

import pytest

from swerl.config.load import load_config
from swerl.preflight.checks import agent
from swerl.preflight.context import Context
from swerl.preflight.report import Report


def _lines(path) -> dict[str, tuple[str, str]]:
    r = Report(out=io.StringIO())
    agent.run(Context(cfg=load_config(path), config_path=path), r)
    return {ln.label: (ln.status.value, ln.detail) for ln in r.lines}


@pytest.mark.parametrize("env", ["k8s", "local", "docker-remote"])
def test_mounted_agent_on_a_backend_without_host_mounts_fails(make_config, env):
    changes = {"harbor_agent.agent_name": "openhands-sdk", "harbor_agent.environment_import_path": env}
    if env == "docker-remote":
        changes |= {"harbor_agent.environment_import_path": "docker", "harbor_agent.docker_host": "tcp://10.0.0.9:2376"}
    status, detail = _lines(make_config(changes))["agent"]
    assert status == "FAIL" and "mounted into each sandbox" in detail and "local Docker" in detail


def test_openhands_sdk_install_built_or_not(make_config, monkeypatch, tmp_path):
    from swerl.rollout import ohsdk_assets

    cfg = make_config({"harbor_agent.agent_name": "openhands-sdk", "harbor_agent.environment_import_path": "docker"})
    monkeypatch.setattr(ohsdk_assets, "OHSDK_DIR", tmp_path / "ohsdk")
    status, detail = _lines(cfg)["agent"]
    assert status == "WARN" and "swerl sandbox build-base --ohsdk" in detail
    (tmp_path / "ohsdk").mkdir()
    (tmp_path / "ohsdk" / "RECIPE").write_text("0 old\n")  # another recipe: rebuilt, so still "not built"
    assert _lines(cfg)["agent"][0] == "WARN"
    (tmp_path / "ohsdk" / "RECIPE").write_text(ohsdk_assets.RECIPE + "\n")
    assert _lines(cfg)["agent"] == ("OK", f"openhands-sdk (offline install at {tmp_path / 'ohsdk'})")


def test_unknown_agent_name_is_a_load_error_with_did_you_mean(make_config):
    from swerl.config.load import ConfigError

    with pytest.raises(ConfigError, match="did you mean 'openhands-sdk'"):
        load_config(make_config({"harbor_agent.agent_name": "openhands_sdk"}))


def test_openhands_sdk_trial_config_reaches_the_proxy_offline(tmp_path):
    """What a trial hands Harbor: its OpenHandsSDK connection variables (the trial's proxy URL, in-sandbox), the
    SDK's LLM settings, and the two read-only mounts at Harbor's venv path."""
    from swerl.rollout.agents.registry import AgentEndpoint, AgentOptions, agent_config
    from swerl.rollout.ohsdk_assets import HARBOR_VENV, OHSDK_TARGET

    ep = AgentEndpoint(host_url="http://127.0.0.1:8002", sandbox_url="http://host.docker.internal:8002", api_key="k")
    opts = AgentOptions(max_turns=7, max_tokens_per_turn=300, ohsdk_dir=str(tmp_path))
    ac, mounts = agent_config("openhands-sdk", "", "t1", ep, opts)
    assert ac.import_path == "swerl.rollout.agents.openhands_sdk:OfflineOpenHandsSDK"
    assert ac.model_name == "openai/vllm_model"
    assert ac.env["LLM_BASE_URL"] == "http://host.docker.internal:8002/trial/t1/v1" and ac.env["LLM_API_KEY"] == "k"
    assert ac.kwargs["max_iterations"] == 7 and ac.kwargs["config"]["max_output_tokens"] == 300
    assert {(m["source"], m["target"], m["read_only"]) for m in mounts} == {
        (str(tmp_path), OHSDK_TARGET, True),
        (str(tmp_path / "venv"), HARBOR_VENV, True),
    }
