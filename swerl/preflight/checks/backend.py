"""Sandbox backend: auto-detect Docker (local unix socket / remote tcp://) or Kubernetes, then prove it is
reachable with the same client library the run uses (docker SDK `info()`, kubernetes client).

Detection, made explicit (the original's "import path contains docker" misfiled K8s configs):
`k8s.kubeconfig` set, or a kubernetes environment import path → K8s; otherwise Docker, with
`harbor_agent.docker_host` "" → $DOCKER_HOST or the local socket, `unix:///path`, or `tcp://host:port`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from swerl.preflight.context import Context
from swerl.preflight.report import Report

LOCAL_SOCKET = "unix:///var/run/docker.sock"
DOCKER_FIX = "start the daemon (sudo dockerd &, or systemctl start docker) or fix harbor_agent.docker_host"
SDK_FIX = "uv pip install --python .venv/bin/python docker (watch for a docker/ dir on sys.path shadowing it)"


class BadDockerHost(ValueError):
    pass


@dataclass(frozen=True)
class Backend:
    kind: str  # "docker" | "k8s" | "local" | "custom"
    url: str = ""  # docker: unix:///… or tcp://host:port
    remote: bool = False

    def describe(self, ctx: Context) -> str:
        if self.kind in ("local", "custom"):
            return {"local": "local processes", "custom": ctx.i.harbor_agent.environment_import_path}[self.kind]
        if self.kind == "k8s":
            return f"K8s ({ctx.i.k8s.kubeconfig or '<no kubeconfig>'})"
        return f"Docker ({ctx.i.harbor_agent.docker_host or self.url})"


def docker_url(value: str) -> tuple[str, bool]:
    """(url, remote) for a docker_host value; raises BadDockerHost with the fix."""
    if not value:
        env = os.environ.get("DOCKER_HOST", "")
        return docker_url(env) if env else (LOCAL_SOCKET, False)
    u = urlparse(value)
    if u.scheme == "unix" and u.path:
        return value, False
    if u.scheme == "tcp":
        try:
            port = u.port
        except ValueError:
            port = None
        if u.hostname and port:
            return value, True
    raise BadDockerHost(
        f'harbor_agent.docker_host={value!r} is not a docker URL — use "" (local socket), unix:///path/docker.sock or tcp://HOST:PORT'
    )


def detect(ctx: Context) -> Backend:
    """The backend the run will use (swerl.models.backend — the runner's rule), with the docker URL."""
    from swerl.models.backend import resolve

    ha = ctx.i.harbor_agent
    kind = resolve(ha.environment_import_path, ha.docker_host).kind
    if kind == "kubernetes":
        return Backend("k8s")
    if kind in ("local", "custom"):
        return Backend(kind)
    url, remote = docker_url(ha.docker_host)
    return Backend("docker", url, remote)


def module_exists(dotted: str) -> bool:
    """Whether `pkg.mod` exists on disk, without importing anything (find_spec on a dotted name imports parents)."""
    parts = dotted.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):  # a broken install, or a module in sys.modules without a spec
        return False
    if spec is None:
        return False
    dirs = [Path(p) for p in (spec.submodule_search_locations or [])]
    for i, part in enumerate(parts[1:], 1):
        last = i == len(parts) - 1
        nxt = [d / part for d in dirs if (d / part).is_dir()]
        if last and (nxt or any((d / f"{part}.py").is_file() for d in dirs)):
            return True
        dirs = nxt
    return len(parts) == 1


def _check_import_path(ctx: Context, r: Report) -> None:
    import difflib

    from swerl.models.backend import ALIASES

    path = ctx.i.harbor_agent.environment_import_path
    if path in ALIASES:
        path = ALIASES[path]
    elif ":" not in path:
        close = difflib.get_close_matches(path, [a for a in ALIASES if ":" not in a], n=1)
        r.fail(
            "harbor_agent.environment_import_path",
            f"unknown backend {path!r} — "
            + (f"did you mean '{close[0]}'? " if close else "")
            + f"(one of: {', '.join(a for a in ALIASES if ':' not in a)}, or package.module:Class)",
        )
        return
    module, _, cls = path.partition(":")
    if not module or not cls:
        r.fail("harbor_agent.environment_import_path", f"{path!r} is not 'package.module:Class' — fix the value")
    elif not module_exists(module):
        r.fail(
            "harbor_agent.environment_import_path",
            f"module {module} not found in the venv — fix the path or re-run bash scripts/setup_env.sh",
        )
    else:
        r.ok("harbor_agent.environment_import_path", path)


def _docker_client(ctx: Context, url: str):
    import docker

    tls = None
    tls_dir = ctx.i.harbor_agent.docker_tls_dir
    if tls_dir:
        d = ctx.path(tls_dir)
        tls = docker.tls.TLSConfig(
            client_cert=(str(d / "cert.pem"), str(d / "key.pem")), ca_cert=str(d / "ca.pem"), verify=True
        )
    return docker.DockerClient(base_url=url, timeout=5, tls=tls)


def _unreachable(r: Report, b: Backend, exc: Exception) -> None:
    msg = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    r.fail("docker:daemon", f"docker daemon not reachable at {b.url} ({msg}) — {DOCKER_FIX}")


def check_docker(ctx: Context, r: Report, b: Backend) -> None:
    if b.remote:
        u = urlparse(b.url)
        if u.port == 2375:
            r.warn(
                "docker:tls",
                f"{b.url} is the unencrypted daemon port (root-equivalent access) — use TLS on :2376 outside isolated test networks",
            )
        try:
            with socket.create_connection((u.hostname, u.port), timeout=2):
                r.ok("docker:tcp", f"{u.hostname}:{u.port} reachable")
        except OSError as exc:
            r.fail(
                "docker:tcp", f"cannot connect to {u.hostname}:{u.port} in 2 s ({exc.strerror or exc}) — {DOCKER_FIX}"
            )
            return
    else:
        sock = urlparse(b.url).path
        try:
            is_sock = stat.S_ISSOCK(os.stat(sock).st_mode)
        except OSError:
            is_sock = False
        if not is_sock:
            r.missing("docker:socket", f"no docker socket at {sock} — docker daemon not running: {DOCKER_FIX}")
            return
    try:
        client = _docker_client(ctx, b.url)
    except ImportError:
        r.fail("docker:sdk", f"python docker SDK not importable — {SDK_FIX}")
        return
    except Exception as exc:  # the client negotiates the API version on creation: an unreachable daemon fails here
        _unreachable(r, b, exc)
        return
    try:
        info = client.info()
    except Exception as exc:  # docker raises a zoo of types (DockerException, requests errors, …)
        _unreachable(r, b, exc)
        return
    r.ok("docker:daemon", f"{b.url} → docker {info.get('ServerVersion')} ({info.get('Containers', 0)} containers)")
    image = ctx.i.harbor_agent.base_image
    try:
        client.images.get(image)
        r.ok("docker:base image", image)
    except Exception:
        r.missing(
            "docker:base image",
            f"{image} not on the daemon — build it: .venv/bin/swerl sandbox build-base (or bash scripts/setup_env.sh)",
        )
    finally:
        client.close()
    _check_compose(r)


def _check_compose(r: Report) -> None:
    exe = shutil.which("docker")
    if exe is None:
        r.missing(
            "docker:compose",
            "docker CLI not found (Harbor shells out to `docker compose`) — bash scripts/setup_env.sh installs it",
        )
        return
    try:
        out = subprocess.run([exe, "compose", "version", "--short"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        out = None
    if out is None or out.returncode != 0:
        r.missing("docker:compose", "docker compose v2 plugin not found — bash scripts/setup_env.sh installs it")
    else:
        r.ok("docker:compose", f"v{out.stdout.strip().lstrip('v')}")


def check_k8s(ctx: Context, r: Report) -> None:
    k = ctx.i.k8s
    if not k.pod_name_prefix:
        r.fail("k8s.pod_name_prefix", "empty — pods are labelled harbor-run=<prefix>; set a non-empty prefix")
    if not k.kubeconfig:
        r.missing("k8s.kubeconfig", "empty, but the environment import path is Kubernetes — set k8s.kubeconfig")
        return
    path = ctx.path(k.kubeconfig)
    if not path.is_file():
        r.missing("k8s.kubeconfig", f"{path} does not exist — fix k8s.kubeconfig")
        return
    try:
        from kubernetes import client, config
    except ImportError:
        r.fail("k8s:client", "python kubernetes client missing — re-run bash scripts/setup_env.sh")
        return
    try:
        api = config.new_client_from_config(config_file=str(path))
    except Exception as exc:
        r.fail("k8s.kubeconfig", f"{path} is not a usable kubeconfig ({str(exc).splitlines()[0][:120]}) — fix the file")
        return
    try:
        nodes = client.CoreV1Api(api).list_node(_request_timeout=10).items
    except Exception as exc:
        r.fail(
            "k8s:reachable",
            f"cannot list nodes with {path} ({str(exc).splitlines()[0][:120]}) — check the cluster and kubeconfig",
        )
        return
    ready = [n for n in nodes if any(c.type == "Ready" and c.status == "True" for c in (n.status.conditions or []))]
    if not ready:
        r.fail("k8s:reachable", f"0 of {len(nodes)} node(s) Ready — fix the cluster before running")
    else:
        r.ok("k8s:reachable", f"{len(ready)} node(s) Ready")
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(namespace=k.namespace, verb="create", resource="pods")
        )
    )
    try:
        allowed = (
            client.AuthorizationV1Api(api).create_self_subject_access_review(review, _request_timeout=10).status.allowed
        )
    except Exception as exc:
        r.fail("k8s:rbac", f"cannot ask the API whether pods can be created ({str(exc).splitlines()[0][:120]})")
        return
    if allowed:
        r.ok("k8s:rbac", f"can create pods in namespace {k.namespace}")
    else:
        r.fail("k8s:rbac", f"cannot create pods in namespace {k.namespace} — grant RBAC or change k8s.namespace")


def run(ctx: Context, r: Report) -> None:
    _check_import_path(ctx, r)
    try:
        b = detect(ctx)
    except BadDockerHost as exc:
        r.fail("backend", str(exc))
        return
    r.ok(
        "backend",
        f"{b.describe(ctx)}" + (" remote" if b.remote else "") + " (from harbor_agent.environment_import_path)",
    )
    if b.kind != "k8s" and ctx.i.k8s.kubeconfig:
        r.warn(
            "k8s.kubeconfig",
            "set, but the backend is not Kubernetes — to run pods set harbor_agent.environment_import_path: k8s",
        )
    if b.kind == "k8s":
        check_k8s(ctx, r)
    elif b.kind == "local":
        r.warn("backend:isolation", "local-process sandboxes: NO ISOLATION — agent commands run on this host")
    elif b.kind == "docker":
        check_docker(ctx, r, b)
    check_egress(ctx, r, b)


def check_egress(ctx: Context, r: Report, b: Backend) -> None:
    """harbor_agent.sandbox_egress: proxy_only is enforced by the Docker backend only (envs/egress.py)."""
    mode = ctx.i.harbor_agent.sandbox_egress
    if mode == "open":
        r.ok(
            "sandbox egress", "open — sandboxes reach what the host reaches (proxy_only: internal network, proxy only)"
        )
    elif b.kind == "docker":
        r.ok(
            "sandbox egress", "proxy_only — internal network per run, host.docker.internal = a relay to the proxy only"
        )
    else:
        fix = {
            "k8s": "apply a default-deny egress NetworkPolicy with a rule to the proxy, then set it to open",
            "local": "local-process sandboxes have no network isolation at all",
        }.get(b.kind, "this environment class does not enforce it")
        r.fail(
            "sandbox egress",
            f"harbor_agent.sandbox_egress=proxy_only is enforced by the Docker backend only ({b.describe(ctx)}): "
            f"{fix} — or set harbor_agent.sandbox_egress: open",
        )
