"""`experiment.trajectory_logger_src`: a user's LiteLLM callback file replaces swerl's trajectory logger in the
real proxy (scripted policy behind the real gateway)."""

from __future__ import annotations

import json

import httpx
import pytest

from swerl.config.load import parse_config
from swerl.serve.engines.scripted import ScriptedEngine
from swerl.serve.gateway import GatewayServer, GatewaySettings, create_app

pytestmark = pytest.mark.integration

CALLBACK = """
import json, os
from litellm.integrations.custom_logger import CustomLogger


class Mine(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        with open(os.environ["USER_CB_OUT"], "a") as fh:
            fh.write(json.dumps({"model": kwargs.get("model"), "n": len(kwargs.get("messages") or [])}) + "\\n")


proxy_handler_instance = Mine()
"""


def test_user_callback_replaces_the_builtin_logger(tmp_path, tokenizer, monkeypatch):
    from swerl.serve.proxy import ProxyProcess

    (tmp_path / "my_logger.py").write_text(CALLBACK)
    out = tmp_path / "calls.jsonl"
    monkeypatch.setenv("USER_CB_OUT", str(out))
    (tmp_path / "config.yaml").write_text("x: 1\n")
    cfg = parse_config(
        {
            "runtime_info": {
                "input": {
                    "model": {"model_path": "smollm2"},
                    "data": {},
                    "experiment": {"output_root": str(tmp_path / "out"), "trajectory_logger_src": "my_logger.py"},
                }
            }
        }
    )
    cfg._source = tmp_path / "config.yaml"
    trials = tmp_path / "trials"
    gw = GatewayServer(
        create_app(ScriptedEngine(tokenizer), tokenizer, GatewaySettings(max_model_len=100_000, trials_root=trials))
    ).start()
    proxy = ProxyProcess(cfg, gw.url, trials, "sk-cb-test", port=0, state_dir=tmp_path / ".swerl")
    try:
        proxy.start().wait_ready(180)
        r = httpx.post(
            f"{proxy.trial_base_url('step1-cb-0-abcd')}/v1/chat/completions",
            headers={"Authorization": "Bearer sk-cb-test"},
            timeout=120,
            json={"model": "vllm_model", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8},
        )
        assert r.status_code == 200, r.text
        import time

        for _ in range(100):  # the callback runs after the response: wait for its line (event, ceiling 10 s)
            if out.exists() and out.read_text().strip():
                break
            time.sleep(0.1)
    finally:
        proxy.stop()
        gw.stop()
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines and lines[0]["n"] == 1
    assert not list(trials.rglob("litellm-trajectory.jsonl")), "the user's callback replaced swerl's logger"


def test_callback_file_without_the_object_is_refused(tmp_path):
    from swerl.serve.proxy.config import install_user_callback

    (tmp_path / "bad.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="proxy_handler_instance"):
        install_user_callback(tmp_path / "bad.py", tmp_path / "d")
