"""Sandbox egress guard (`harbor_agent.sandbox_egress: proxy_only`, swerl/rollout/envs/egress.py), measured from
inside real Docker sandboxes of real Harbor trials: the real LiteLLM proxy answers (its per-start nonce, so it
is OUR proxy, reached through the relay as host.docker.internal), while a host service on the host's
non-bridge address, a host service on the bridge address, an internet address and DNS do not. The same probe
under `open` reaches the outside server — the control that shows the probe can see egress at all."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from swerl.config.load import parse_config
from swerl.config.paths import make_trial_id
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.network import sandbox_proxy_host
from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
from tests.rollout.conftest import ScriptedOpenAI

pytestmark = pytest.mark.integration
LABEL = "swerl-test-egress"
KEY = "sk-swerl-egress-" + os.urandom(6).hex()


def _host_ip() -> str:
    """The host's own address on its outward interface (not docker0)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent
        return s.getsockname()[0]
    finally:
        s.close()


def _server(host: str) -> ThreadingHTTPServer:
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = b"outside-ok"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer((host, 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from swerl.rollout.envs import egress
    from swerl.rollout.envs.docker_api import docker_client
    from swerl.serve.proxy import ProxyProcess

    root = tmp_path_factory.mktemp("egress")
    bridge = sandbox_proxy_host()
    cfg = parse_config(
        {
            "runtime_info": {
                "input": {
                    "model": {"model_path": "smollm2"},
                    "data": {},
                    "infrastructure": {"litellm_host": bridge},
                    "experiment": {"output_root": str(root)},
                }
            }
        }
    )
    proxy = ProxyProcess(cfg, "http://127.0.0.1:9", root / "trials", KEY, port=0, state_dir=root / ".swerl")
    proxy.start()
    outside, on_bridge = _server(_host_ip()), _server(bridge)
    try:
        proxy.wait_ready(120)
        yield {"proxy": proxy, "outside": outside, "bridge": on_bridge, "root": root}
    finally:
        proxy.stop()
        outside.shutdown()
        on_bridge.shutdown()
        egress.teardown(docker_client(), LABEL)


PROBE = r"""
import socket, sys, urllib.request
def get(url):
    try:
        return urllib.request.urlopen(url, timeout=3).read().decode()[:80]
    except Exception as e:
        return "FAIL " + type(e).__name__
def tcp(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return "open"
    except Exception as e:
        return "FAIL " + type(e).__name__
def dns(name):
    try:
        return socket.gethostbyname(name)
    except Exception as e:
        return "FAIL " + type(e).__name__
proxy, outside, bridge = sys.argv[1:4]
print("proxy=" + get(proxy + "/swerl/identity"))
print("outside=" + get(outside))
print("bridge=" + get(bridge))
print("internet=" + tcp("1.1.1.1", 443))
print("dns=" + dns("pypi.org"))
"""


def _probe(world, easy_rows, egress_mode: str, k: int) -> dict[str, str]:
    proxy, outside, bridge = world["proxy"], world["outside"], world["bridge"]
    oh, op = outside.server_address[:2]
    bh, bp = bridge.server_address[:2]
    cmd = (
        f"cat > /tmp/probe.py <<'EOF'\n{PROBE}\nEOF\n"
        f"python3 /tmp/probe.py http://host.docker.internal:{proxy.port} http://{oh}:{op}/ http://{bh}:{bp}/; "
        "echo probe-done"
    )
    srv = ScriptedOpenAI([f"```bash\n{cmd}\n```", "DONE"])
    kwargs = {"egress": egress_mode, "relay_image": "swerl/base:bookworm"} if egress_mode != "open" else {}
    try:
        # sandbox_url as swerl.train.serving builds it (the bridge address): the runner re-addresses it to the relay.
        ep = AgentEndpoint(host_url=srv.url, sandbox_url=f"http://{sandbox_proxy_host()}:{proxy.port}", api_key="k")
        s = RolloutSettings(
            trials_root=world["root"] / egress_mode,
            num_workers=1,
            max_retries=0,
            run_label=LABEL,
            environment_kwargs=kwargs,
        )
        hello = next(r for r in easy_rows if r.instance_id == "create-hello")
        job = TrialJob(trial_id=make_trial_id(1, f"egress-{egress_mode}", k), task=hello, group="g")
        (o,) = asyncio.run(run_trials([job], s, ep))
    finally:
        srv.close()
    assert not o.masked, o
    seen = srv.requests[1]["body"]["messages"][-1]["content"]
    assert "probe-done" in seen, seen
    return dict(line.split("=", 1) for line in seen.splitlines() if line.split("=", 1)[0] in PROBE_KEYS)


PROBE_KEYS = ("proxy", "outside", "bridge", "internet", "dns")


def test_proxy_only_sandbox_reaches_the_proxy_and_nothing_else(world, easy_rows):
    got = _probe(world, easy_rows, "proxy_only", 0)
    assert world["proxy"].nonce and world["proxy"].nonce in got["proxy"], got  # our proxy, via the relay
    assert got["outside"].startswith("FAIL"), got  # host service on the host's outward address
    assert got["bridge"].startswith("FAIL"), got  # host service on the docker0 address (next to the proxy)
    assert got["internet"].startswith("FAIL"), got
    assert got["dns"].startswith("FAIL"), got


def test_open_sandbox_reaches_outside_control(world, easy_rows):
    got = _probe(world, easy_rows, "open", 1)
    assert world["proxy"].nonce in got["proxy"], got
    assert got["outside"] == "outside-ok" and got["bridge"] == "outside-ok", got
