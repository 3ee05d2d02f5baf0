"""Which sandbox backend a config runs on — the one rule (preflight checks it, the runner uses it, the
confirmation box names it).

`harbor_agent.environment_import_path` (the seed's key, a `package.module:Class` or an alias) decides; nothing
else does (a `k8s.kubeconfig` alone does not make a run Kubernetes). Harbor's own Docker class maps to swerl's
Docker-API environment (same backend, seconds less per trial).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DOCKER_API = "swerl.rollout.envs.docker_api:DockerApiEnvironment"
LOCAL_PROCESS = "swerl.rollout.envs.local_process:LocalProcessEnvironment"
KUBERNETES = "swerl.rollout.envs.k8s:KubernetesEnvironment"
HARBOR_DOCKER = "harbor.environments.docker.docker:DockerEnvironment"
ALIASES = {
    "docker": DOCKER_API,
    "docker-remote": DOCKER_API,
    "local": LOCAL_PROCESS,
    "k8s": KUBERNETES,
    "kubernetes": KUBERNETES,
    HARBOR_DOCKER: DOCKER_API,
}
"""Names a user may write (and Harbor's class names) → the environment class swerl runs."""

Kind = Literal["docker", "docker-remote", "kubernetes", "local", "custom"]


@dataclass(frozen=True)
class Backend:
    kind: Kind
    import_path: str
    """The Harbor environment class trials run in."""


def resolve(environment_import_path: str, docker_host: str = "") -> Backend:
    path = ALIASES.get(environment_import_path.strip(), environment_import_path.strip()) or DOCKER_API
    if path == DOCKER_API:
        remote = docker_host.startswith(("tcp://", "ssh://"))
        return Backend("docker-remote" if remote else "docker", path)
    if path == KUBERNETES or path.endswith(":KubernetesEnvironment"):
        return Backend("kubernetes", path)
    if path == LOCAL_PROCESS:
        return Backend("local", path)
    return Backend("custom", path)


def of(cfg) -> Backend:
    ha = cfg.input.harbor_agent
    return resolve(ha.environment_import_path, ha.docker_host)
