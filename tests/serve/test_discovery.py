"""vLLM replica discovery against a real local Ray cluster; the replicas are stand-in actors (no GPU here)
that expose `get_server_address()` like verl's vLLM server actors."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, namespace="swerl-test")
    yield ray
    ray.shutdown()


def _replica(ray, i: int):
    @ray.remote(num_cpus=0)
    class StandIn:
        def get_server_address(self):
            return ("127.0.0.1", 9000 + i)

    return StandIn.options(name=f"vllm_server_{i}_0", lifetime="detached").remote()


def test_waits_for_all_replicas_including_late_ones(ray_local):
    from swerl.serve.discovery import discover_replicas

    handles = [_replica(ray_local, 0), _replica(ray_local, 2)]  # gap at 1: the original stopped here
    late = threading.Timer(1.5, lambda: handles.append(_replica(ray_local, 1)))
    late.start()
    t0 = time.time()
    addrs = discover_replicas(3, timeout=30, poll=0.3, namespace="swerl-test")
    assert addrs == ["127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002"] and time.time() - t0 >= 1.0
    for h in handles:
        ray_local.kill(h)


def test_timeout_names_missing_replicas(ray_local):
    from swerl.serve.discovery import DiscoveryError, discover_replicas

    h = _replica(ray_local, 0)
    with pytest.raises(DiscoveryError, match=r"1/2 .*missing: vllm_server_1_0"):
        discover_replicas(2, timeout=1, poll=0.2, namespace="swerl-test")
    ray_local.kill(h)
