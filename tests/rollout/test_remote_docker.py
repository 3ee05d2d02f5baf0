"""Remote Docker: DockerApiEnvironment against a second, real dockerd on this machine listening on plain TCP
(tcp://127.0.0.1:<free port>, its own data root, exec root, pidfile, socket and bridge, no iptables). Nothing is
bind-mounted from the host: task files, tests and logs travel as tar archives over the API.

Skips only when that daemon cannot start here (not root, no dockerd, bridge/daemon start failure), with the
reason. The data root /var/lib/swerl-docker2 is kept between runs as a cache of the loaded base image."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from swerl.config.paths import make_trial_id
from swerl.rollout.images import BASE
from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials

pytestmark = pytest.mark.integration
DATA_ROOT = Path("/var/lib/swerl-docker2")
RUN = Path("/var/run")
BRIDGE, BRIDGE_CIDR = "swerl-br2", "172.31.250.1/24"
LABEL = "swerl-test-remote"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ping(host: str) -> bool:
    return (
        subprocess.run(
            ["docker", "-H", host, "version", "--format", "{{.Server.Version}}"], capture_output=True, timeout=10
        ).returncode
        == 0
    )


@pytest.fixture(scope="module")
def dockerd2(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        pytest.skip("a second dockerd needs root and the dockerd binary")
    made_bridge = False
    if subprocess.run(["ip", "link", "show", BRIDGE], capture_output=True).returncode != 0:
        for cmd in (
            ["ip", "link", "add", BRIDGE, "type", "bridge"],
            ["ip", "addr", "add", BRIDGE_CIDR, "dev", BRIDGE],
            ["ip", "link", "set", BRIDGE, "up"],
        ):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                pytest.skip(f"cannot create bridge {BRIDGE} for the second dockerd: {r.stderr.strip()}")
        made_bridge = True
    port = _free_port()
    host = f"tcp://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("dockerd2") / "dockerd.log"
    DATA_ROOT.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            "dockerd",
            "--data-root",
            str(DATA_ROOT),
            "--exec-root",
            str(RUN / "swerl-docker2-exec"),
            "--pidfile",
            str(RUN / "swerl-docker2.pid"),
            "-H",
            f"unix://{RUN}/swerl-docker2.sock",
            "-H",
            host,
            f"--bridge={BRIDGE}",
            "--iptables=false",
            "--ip6tables=false",
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(60):
            if proc.poll() is not None or _ping(host):
                break
            time.sleep(0.5)
        if proc.poll() is not None or not _ping(host):
            pytest.skip(f"second dockerd did not start: {log.read_text()[-400:]}")
        images = subprocess.run(["docker", "-H", host, "images", "-q", BASE], capture_output=True, text=True).stdout
        if not images.strip():  # no registry: ship the base image over (cached in DATA_ROOT for later runs)
            save = subprocess.Popen(["docker", "save", BASE], stdout=subprocess.PIPE)
            subprocess.run(["docker", "-H", host, "load"], stdin=save.stdout, check=True, capture_output=True)
            save.wait()
        yield host
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if made_bridge:
            subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True)


def test_plain_tcp_warns(dockerd2):
    from swerl.rollout.envs import docker_api

    docker_api._CLIENTS.pop((dockerd2, ""), None)
    with pytest.warns(UserWarning, match="without TLS"):
        docker_api.docker_client(dockerd2)


def test_oracle_trial_on_remote_daemon(dockerd2, tmp_path, easy_rows):
    """A task with COPY'd files: image built on the remote daemon, solution and tests copied in, verifier
    output copied out → reward 1.0; no container is left there; the local daemon never saw the trial."""
    task = next(r for r in easy_rows if r.instance_id == "fix-echo")
    job = TrialJob(trial_id=make_trial_id(3, "remote-fix-echo", 0), task=task, group="g", agent_name="oracle")
    s = RolloutSettings(
        trials_root=tmp_path,
        num_workers=1,
        max_retries=0,
        run_label=LABEL,
        environment_kwargs={"docker_host": dockerd2},
    )
    (out,) = asyncio.run(run_trials([job], s))
    assert out.reward == 1.0 and not out.masked, out
    assert (out.trial_dir / "verifier" / "reward.txt").read_text().strip() == "1"

    def ps(*host: str) -> list[str]:
        return subprocess.run(
            ["docker", *host, "ps", "-aq", "--filter", f"label=swerl.run={LABEL}"], capture_output=True, text=True
        ).stdout.split()

    assert ps("-H", dockerd2) == [] and ps() == []
    remote = subprocess.run(
        ["docker", "-H", dockerd2, "images", "--format", "{{.Repository}}"], capture_output=True, text=True
    ).stdout
    assert "swerl-task/fix-echo" in remote
