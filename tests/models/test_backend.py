"""One backend rule: dryrun, the confirmation box and the runner agree on every config."""

from __future__ import annotations

import pytest

from swerl.config.load import parse_config
from swerl.models.backend import DOCKER_API, HARBOR_DOCKER, KUBERNETES, LOCAL_PROCESS, resolve
from swerl.preflight.checks.backend import detect
from swerl.preflight.context import Context
from swerl.rollout.runner import RolloutSettings
from swerl.run.box import backend as box_backend


def cfg_of(path: str = "", docker_host: str = "", kubeconfig: str = ""):
    ha = {"docker_host": docker_host, **({"environment_import_path": path} if path else {})}
    return parse_config(
        {
            "runtime_info": {
                "input": {
                    "model": {"model_path": "smollm2"},
                    "data": {"train_index": "tasks/easy"},
                    "harbor_agent": ha,
                    "k8s": {"kubeconfig": kubeconfig},
                }
            }
        }
    )


@pytest.mark.parametrize(
    ("path", "host", "kube", "kind", "runs", "preflight", "box"),
    [
        ("", "", "", "docker", DOCKER_API, "docker", "Docker (local)"),
        (HARBOR_DOCKER, "", "", "docker", DOCKER_API, "docker", "Docker (local)"),
        ("docker", "tcp://10.0.0.2:2376", "", "docker-remote", DOCKER_API, "docker", "Docker (remote"),
        ("k8s", "", "~/.kube/config", "kubernetes", KUBERNETES, "k8s", "K8s"),
        (KUBERNETES, "", "", "kubernetes", KUBERNETES, "k8s", "K8s"),
        ("local", "", "", "local", LOCAL_PROCESS, "local", "local processes"),
        # the bug this rule fixes: a kubeconfig alone was checked as Kubernetes and run on Docker
        ("", "", "/etc/kube.yaml", "docker", DOCKER_API, "docker", "Docker (local)"),
        ("my.pkg:Env", "", "", "custom", "my.pkg:Env", "custom", "custom (my.pkg:Env)"),
    ],
)
def test_every_layer_agrees(tmp_path, path, host, kube, kind, runs, preflight, box):
    cfg = cfg_of(path, host, kube)
    b = resolve(cfg.input.harbor_agent.environment_import_path, host)
    assert (b.kind, b.import_path) == (kind, runs)
    assert RolloutSettings.from_config(cfg, tmp_path, "x").environment_import_path == runs
    assert detect(Context(cfg, tmp_path / "config.yaml")).kind == preflight
    assert box_backend(cfg).startswith(box)
