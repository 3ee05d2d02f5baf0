"""A Harbor environment on a Kubernetes cluster, through the official `kubernetes` client.

One pod per trial in `namespace`, labelled `harbor-run=<pod_name_prefix>` (what `swerl clean --pods` and the
run state select on) plus `swerl.run=<exp>` and `swerl.trial=<trial>`; `restartPolicy: Never`,
`activeDeadlineSeconds` (a hard kill even if we die), resource requests (limits from the task), image pull
policy, no service-account token. Start = create + wait for Running (`startup_timeout_sec`; image pull
errors fail at once). Exec = the pod exec subresource over websockets (`kubernetes.stream`, channel
protocol v5 when the server offers it: stdin is closed explicitly), its output bounded as in every environment
(envs/output.py: the stream is closed past the limit). Copy in/out = tar over exec (out: streamed,
bounded per file — envs/copyout.py).
Stop = delete with grace 0.

Images: no build on the cluster. A task with `docker_image` runs that; otherwise the pod runs the task
Dockerfile's `FROM` image (it must be pullable by the nodes, or preloaded with `image_pull_policy: Never`)
and the Dockerfile's WORKDIR/COPY/ENV/RUN steps are replayed after start (`envs/dockerfile.py`).

Tested against a stand-in API server (tests/rollout/fake_k8s.py: REST + the exec websocket protocol,
pods backed by local Docker containers) — no cluster runs on the dev machine; this code path is the
production one.

Selected with `harbor_agent.environment_import_path: swerl.rollout.envs.k8s:KubernetesEnvironment`
(kwargs from the config's `k8s.*`).
"""

from __future__ import annotations

import asyncio
import io
import queue
import re
import shlex
import tarfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from harbor.environments.base import BaseEnvironment, ExecResult
from harbor.environments.capabilities import EnvironmentCapabilities, EnvironmentResourceCapabilities
from harbor.models.environment_type import EnvironmentType
from harbor.models.trial.paths import EnvironmentPaths
from harbor.trial.errors import EnvironmentStartTimeoutError

from swerl.rollout.envs import dockerfile
from swerl.rollout.envs.copyout import extract_stream, first_file
from swerl.rollout.envs.output import CappedOutput, emit_output

LABEL_POD_RUN = "harbor-run"
FATAL_WAITING = {
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "ErrImageNeverPull",
}
_CHUNK = 1 << 20


def _dns_name(text: str, limit: int = 63) -> str:
    """RFC 1123 label: lowercase alphanumerics and '-', ≤63 chars, alphanumeric at both ends."""
    s = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "x"


def _label_value(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", text)[:63]
    return s.strip("-_.") or "x"


def api_client(kubeconfig: str = "") -> Any:
    """An ApiClient from the kubeconfig file, else in-cluster config, else ~/.kube/config."""
    from kubernetes import client, config

    if kubeconfig:
        if not Path(kubeconfig).expanduser().is_file():
            raise FileNotFoundError(f"k8s.kubeconfig={kubeconfig} does not exist: point it at a kubeconfig file")
        return config.new_client_from_config(config_file=str(Path(kubeconfig).expanduser()))
    try:
        config.load_incluster_config()
        return client.ApiClient()
    except config.ConfigException:
        return config.new_client_from_config()


class KubernetesEnvironment(BaseEnvironment):
    def __init__(
        self,
        *args: Any,
        kubeconfig: str = "",
        namespace: str = "default",
        pod_name_prefix: str = "swerl",
        startup_timeout_sec: float = 1200,
        active_deadline_sec: int = 6000,
        image_pull_policy: str = "IfNotPresent",
        cpu_request: str = "1",
        memory_request: str = "2Gi",
        run_label: str = "",
        image: str = "",
        **kwargs: Any,
    ) -> None:
        if not pod_name_prefix:
            raise ValueError("k8s.pod_name_prefix is empty: set it (pods are selected by harbor-run=<prefix>)")
        self._kubeconfig = kubeconfig
        self.namespace = namespace
        self.prefix = _dns_name(pod_name_prefix, 20)
        self._startup_timeout = float(startup_timeout_sec)
        self._deadline = int(active_deadline_sec)
        self._pull = image_pull_policy
        self._requests = {"cpu": cpu_request, "memory": memory_request}
        self._run_label = run_label
        self._image = image
        self._core: Any = None
        self._exec_core: Any = None
        self._connect_lock = threading.Lock()
        self.pod_name = ""
        self._env: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    # --- Harbor's interface -------------------------------------------------------------------
    @staticmethod
    def type() -> EnvironmentType:
        return EnvironmentType.GKE  # the closest Kubernetes kind Harbor knows; used for display only

    @property
    def capabilities(self) -> EnvironmentCapabilities:
        return EnvironmentCapabilities(mounted=False)

    @classmethod
    def resource_capabilities(cls) -> EnvironmentResourceCapabilities:
        return EnvironmentResourceCapabilities(cpu_limit=True, memory_limit=True, fractional_cpus=True)

    def _validate_definition(self) -> None:
        if not self.task_env_config.docker_image and not (self.environment_dir / "Dockerfile").is_file():
            raise FileNotFoundError(f"{self.environment_dir}: needs environment/Dockerfile or task docker_image")

    @property
    def workdir(self) -> str:
        return self.task_env_config.workdir or "/"

    def _apis(self) -> tuple[Any, Any]:
        """(REST api, exec api). Exec gets its own ApiClient: `kubernetes.stream` swaps `call_api` on the client
        while it connects, which would race with REST calls from other threads."""
        if self._core is None:
            from kubernetes import client

            self._core = client.CoreV1Api(api_client(self._kubeconfig))
            self._exec_core = client.CoreV1Api(api_client(self._kubeconfig))
        return self._core, self._exec_core

    def image(self) -> str:
        if self._image:
            return self._image
        if self.task_env_config.docker_image:
            return self.task_env_config.docker_image
        return dockerfile.base_image(self.environment_dir / "Dockerfile")

    def pod_manifest(self) -> dict:
        labels = {LABEL_POD_RUN: self.prefix, "swerl.trial": _label_value(self.session_id)}
        if self._run_label:
            labels["swerl.run"] = _label_value(self._run_label)
        limits: dict[str, str] = {}
        if cpus := self._effective_cpus:
            limits["cpu"] = str(cpus)
        if mem := self._effective_memory_mb:
            limits["memory"] = f"{mem}Mi"
        container = {
            "name": "main",
            "image": self.image(),
            "imagePullPolicy": self._pull,
            # PID 1 exits on SIGTERM (a bare `sleep` would ignore it and hold deletion for the grace period).
            "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
            "workingDir": self.task_env_config.workdir or None,
            "env": [{"name": k, "value": v} for k, v in self._startup_env().items()],
            "resources": {"requests": self._requests, **({"limits": limits} if limits else {})},
        }
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": self.pod_name, "namespace": self.namespace, "labels": labels},
            "spec": {
                "containers": [container],
                "restartPolicy": "Never",
                "activeDeadlineSeconds": self._deadline,
                "terminationGracePeriodSeconds": 0,
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
            },
        }

    async def start(self, force_build: bool) -> None:
        core, _ = await asyncio.to_thread(self._apis)
        self.pod_name = _dns_name(f"{self.prefix}-{self.session_id}")
        await asyncio.to_thread(core.create_namespaced_pod, self.namespace, self.pod_manifest())
        await self._wait_running(core)
        p = EnvironmentPaths.for_os(self.os)
        dirs = " ".join(shlex.quote(str(d)) for d in (p.agent_dir, p.verifier_dir, p.artifacts_dir, self.workdir))
        r = await self.exec(f"mkdir -p {dirs} && chmod 777 {dirs}", cwd="/", user="root")
        if r.return_code != 0:
            raise RuntimeError(f"pod {self.pod_name}: preparing dirs failed: {r.stderr}")
        if (self.environment_dir / "Dockerfile").is_file() and not self.task_env_config.docker_image:
            await dockerfile.apply(self, self.environment_dir / "Dockerfile", self.workdir, self._env)

    async def _wait_running(self, core: Any) -> None:
        t_end = time.monotonic() + self._startup_timeout
        while True:
            pod = await asyncio.to_thread(core.read_namespaced_pod, self.pod_name, self.namespace)
            phase = pod.status.phase if pod.status else None
            statuses = (pod.status.container_statuses or []) if pod.status else []
            for cs in statuses:
                waiting = cs.state.waiting if cs.state else None
                if waiting is not None and waiting.reason in FATAL_WAITING:
                    raise RuntimeError(
                        f"pod {self.pod_name}: {waiting.reason}: {waiting.message or ''} "
                        f"(image {self.image()}, imagePullPolicy {self._pull})"
                    )
            if phase == "Running" and statuses and all(cs.ready for cs in statuses):
                return
            if phase in ("Failed", "Succeeded"):
                raise RuntimeError(f"pod {self.pod_name} ended ({phase}) before the trial started")
            if time.monotonic() > t_end:
                raise EnvironmentStartTimeoutError(
                    f"pod {self.pod_name} not Running after {self._startup_timeout:.0f}s (phase {phase}): raise "
                    f"k8s.pod_startup_timeout_sec or check the nodes"
                )
            await asyncio.sleep(0.25)

    async def stop(self, delete: bool) -> None:
        if not self.pod_name or self._core is None:
            return
        from kubernetes.client.rest import ApiException

        try:
            await asyncio.to_thread(
                self._core.delete_namespaced_pod, self.pod_name, self.namespace, grace_period_seconds=0
            )
        except ApiException as exc:
            if exc.status != 404:  # already gone (deadline, evicted): nothing to clean
                raise

    # --- exec and copy ------------------------------------------------------------------------
    def _pod_exec(
        self,
        argv: list[str],
        stdin: bytes | None,
        sink: Callable[[bytes], object] | None = None,
        err_sink: Callable[[bytes], object] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> tuple[bytes, bytes, int]:
        """Run argv in the pod: (stdout, stderr, exit code). Blocking; call in a thread. With `sink` / `err_sink`,
        that stream goes to it frame by frame (and b"" comes back) instead of being collected; once `stop()` is
        true the stream is closed (the exit code is then -1: the command may still run until its timeout)."""
        from kubernetes.stream import stream

        _, api = self._apis()
        with self._connect_lock:
            ws = stream(
                api.connect_get_namespaced_pod_exec,
                self.pod_name,
                self.namespace,
                command=argv,
                stdin=stdin is not None,
                stdout=True,
                stderr=True,
                tty=False,
                _preload_content=False,
                binary=True,
            )
        out, err = io.BytesIO(), io.BytesIO()
        try:
            if stdin is not None:
                for i in range(0, len(stdin), _CHUNK):
                    ws.write_stdin(stdin[i : i + _CHUNK])
                ws.close_channel(0)  # v5: EOF on the process's stdin (v4 has none: tar stops at its end marker)
            put, put_err = sink or out.write, err_sink or err.write
            cut = False
            while ws.is_open():
                ws.update(timeout=1)
                if ws.peek_stdout():
                    put(ws.read_stdout(timeout=0))
                if ws.peek_stderr():
                    put_err(ws.read_stderr(timeout=0))
                if stop is not None and stop():
                    cut = True
                    break
            if not cut:
                if last := ws.read_stdout(timeout=0):  # frames that arrived with the close
                    put(last)
                if last := ws.read_stderr(timeout=0):
                    put_err(last)
            rc = None if cut else ws.returncode
        finally:
            ws.close()
        return out.getvalue(), err.getvalue(), -1 if rc is None else rc

    async def exec(
        self,
        command: str,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_sec: int | None = None,
        user: str | int | None = None,
    ) -> ExecResult:
        merged = {**self._env, **(self._merge_env(env) or {})}
        user = self._resolve_user(user)
        inner = f"bash -c {shlex.quote(command)}"
        if timeout_sec:
            inner = f"timeout -s KILL {int(timeout_sec)} {inner}"  # the exec API cannot cancel a command
        if merged:
            inner = "env " + " ".join(shlex.quote(f"{k}={v}") for k, v in merged.items()) + " " + inner
        if user is not None and str(user) not in ("root", "0"):
            inner = f"su -s /bin/bash {shlex.quote(str(user))} -c {shlex.quote(inner)}"
        script = f"cd {shlex.quote(cwd or self.workdir)} && exec {inner}"
        cap = CappedOutput()
        argv = ["sh", "-c", script]
        _, _, rc = await asyncio.to_thread(self._pod_exec, argv, None, cap.stdout.add, cap.stderr.add, lambda: cap.over)
        return await emit_output(self, cap.result(rc))

    async def _untar_in_pod(self, data: bytes, target_dir: str) -> None:
        argv = ["sh", "-c", f"mkdir -p {shlex.quote(target_dir)} && tar xf - -C {shlex.quote(target_dir)}"]
        _, err, rc = await asyncio.to_thread(self._pod_exec, argv, data)
        if rc != 0:
            raise RuntimeError(
                f"copy into pod {self.pod_name}:{target_dir} failed: {err.decode(errors='replace')[-300:]}"
            )

    async def upload_file(self, source_path: Path | str, target_path: str) -> None:
        parent, name = target_path.rstrip("/").rsplit("/", 1)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(str(source_path), arcname=name)
        await self._untar_in_pod(buf.getvalue(), parent or "/")

    async def upload_dir(self, source_dir: Path | str, target_dir: str) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(str(source_dir), arcname=".")
        await self._untar_in_pod(buf.getvalue(), target_dir)

    async def _tar_from_pod(self, directory: str, member: str, consume: Callable[[Iterable[bytes]], Any]) -> Any:
        """`tar cf - member` in the pod, its stream handed to `consume` (in a thread) as it arrives: the
        archive is never held whole (envs/copyout.py bounds what is written)."""
        q: queue.Queue[bytes | None] = queue.Queue(maxsize=64)

        def chunks() -> Iterator[bytes]:
            while (c := q.get()) is not None:
                yield c

        def produce() -> tuple[bytes, bytes, int]:
            try:
                return self._pod_exec(["tar", "cf", "-", "-C", directory, member], None, sink=q.put)
            finally:
                q.put(None)

        def take() -> Any:
            it = chunks()
            try:
                return consume(it)
            finally:
                for _ in it:  # drain what follows the archive's end (or an error) so the producer ends
                    pass

        ran, got = await asyncio.gather(asyncio.to_thread(produce), asyncio.to_thread(take), return_exceptions=True)
        if isinstance(ran, BaseException):
            raise ran
        _, err, rc = ran
        if rc != 0:
            raise RuntimeError(
                f"copy from pod {self.pod_name}:{directory}/{member} failed: {err.decode(errors='replace')[-300:]}"
            )
        if isinstance(got, BaseException):
            raise got
        return got

    async def download_file(self, source_path: str, target_path: Path | str) -> None:
        parent, name = source_path.rstrip("/").rsplit("/", 1)
        await self._tar_from_pod(parent or "/", name, lambda chunks: first_file(chunks, Path(target_path)))

    async def download_dir(self, source_dir: str, target_dir: Path | str) -> None:
        await self._tar_from_pod(source_dir, ".", lambda chunks: extract_stream(chunks, Path(target_dir)))
