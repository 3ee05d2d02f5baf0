"""A Harbor environment on the Docker Engine API (docker SDK), for local and remote daemons.

Why not Harbor's own `DockerEnvironment`: it shells out to `docker compose` for every start, exec and
teardown (a Go binary start each time, ~0.3 s on 2 cores) and bind-mounts the trial dir, which breaks on a
remote daemon. Here: one `containers.run` (`init: true`, so PID 1 forwards signals), execs over the API,
files copied in/out as tar archives (works identically on `tcp://` daemons; copied out streamed and bounded per
file — envs/copyout.py), teardown = one forced remove
(SIGKILL, no 10 s grace). Images are built once per environment content hash and reused.

Selected with `harbor_agent.environment_import_path: swerl.rollout.envs.docker_api:DockerApiEnvironment`.
Constructor kwargs (Harbor passes `environment.kwargs`): `docker_host`, `tls_dir`, `run_label`, `network`,
`egress` (`open` | `proxy_only`: the run's internal network + a relay to the proxy only — envs/egress.py),
`proxy_url` (the proxy as the sandbox agent is told it; the runner sets it under proxy_only), `relay_image`.
"""

from __future__ import annotations

import asyncio
import io
import os
import shlex
import tarfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harbor.environments.base import BaseEnvironment, ExecResult, SandboxBuildFailedError
from harbor.environments.capabilities import EnvironmentCapabilities, EnvironmentResourceCapabilities
from harbor.environments.definition import require_agent_environment_definition
from harbor.models.environment_type import EnvironmentType

from swerl.rollout.envs import egress as _egress
from swerl.rollout.envs.copyout import extract_spooled, first_file_spooled
from swerl.rollout.envs.output import CappedOutput, emit_output

LABEL_RUN = "swerl.run"
LABEL_TRIAL = "swerl.trial"
HOST_ALIAS = "host.docker.internal"

# Execs block a thread for their whole duration (the SDK is synchronous); the default pool has cpu+4 threads,
# far fewer than concurrent trials.
_POOL = ThreadPoolExecutor(max_workers=256, thread_name_prefix="swerl-docker")
_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENT_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple[int, str], asyncio.Lock] = {}  # per event loop: a Lock is bound to one


def docker_client(docker_host: str = "", tls_dir: str = "") -> Any:
    """One shared client per (host, tls dir). `tcp://…:2375` (plain TCP) warns: anyone on the network owns it."""
    import docker

    key = (docker_host, tls_dir)
    with _CLIENT_LOCK:
        if key in _CLIENTS:
            return _CLIENTS[key]
        if not docker_host:
            client = docker.DockerClient.from_env(timeout=120, max_pool_size=256)
        else:
            tls = None
            if tls_dir:
                d = Path(tls_dir)
                missing = [n for n in ("ca.pem", "cert.pem", "key.pem") if not (d / n).is_file()]
                if missing:
                    raise ValueError(
                        f"harbor_agent.docker_tls_dir={tls_dir} lacks {', '.join(missing)}: put the daemon's CA and "
                        f"a client cert/key there"
                    )
                tls = docker.tls.TLSConfig(
                    client_cert=(str(d / "cert.pem"), str(d / "key.pem")), ca_cert=str(d / "ca.pem"), verify=True
                )
            elif docker_host.startswith("tcp://"):
                warnings.warn(
                    f"docker_host={docker_host} without TLS: the daemon is open to anyone who can reach it",
                    stacklevel=2,
                )
            client = docker.DockerClient(base_url=docker_host, tls=tls, timeout=120, max_pool_size=256)
        _CLIENTS[key] = client
        return client


async def _run(fn, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(_POOL, lambda: fn(*args, **kwargs))


def _tar_of(source: Path, arcname: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(str(source), arcname=arcname)
    return buf.getvalue()


class DockerApiEnvironment(BaseEnvironment):
    def __init__(
        self,
        *args: Any,
        docker_host: str = "",
        tls_dir: str = "",
        run_label: str = "",
        network: str = "",
        keep_containers: bool = False,
        egress: str = "open",
        proxy_url: str = "",
        relay_image: str = "swerl/base:bookworm",
        **kwargs: Any,
    ) -> None:
        self._docker_host = docker_host or os.environ.get("SWERL_DOCKER_HOST", "")
        self._tls_dir = tls_dir
        self._run_label = run_label or os.environ.get("SWERL_RUN_LABEL", "adhoc")
        self._network = network
        self._egress = _egress.check_mode(egress)
        self._proxy_url = proxy_url
        self._relay_image = relay_image
        self._container: Any = None
        super().__init__(*args, **kwargs)

    # --- Harbor's interface -------------------------------------------------------------------
    @staticmethod
    def type() -> EnvironmentType:
        return EnvironmentType.DOCKER

    @property
    def capabilities(self) -> EnvironmentCapabilities:
        return EnvironmentCapabilities(mounted=False)

    @classmethod
    def resource_capabilities(cls) -> EnvironmentResourceCapabilities:
        return EnvironmentResourceCapabilities(cpu_limit=True, memory_limit=True, fractional_cpus=True)

    def _validate_definition(self) -> None:
        require_agent_environment_definition(self.environment_dir, docker_image=self.task_env_config.docker_image)
        if not (self.environment_dir / "Dockerfile").is_file() and not self.task_env_config.docker_image:
            raise FileNotFoundError(
                f"{self.environment_dir}/Dockerfile missing: this environment builds Dockerfiles only"
            )

    @property
    def client(self) -> Any:
        return docker_client(self._docker_host, self._tls_dir)

    @property
    def image_tag(self) -> str:
        if self.task_env_config.docker_image and not (self.environment_dir / "Dockerfile").is_file():
            return self.task_env_config.docker_image
        return f"swerl-task/{self.environment_name.lower()[:60]}:{self.environment_id[:16]}"

    async def ensure_image(self, force_build: bool = False) -> str:
        """Build the task image once per content hash (concurrent trials of one task wait for one build)."""
        import docker

        tag = self.image_tag
        if self.task_env_config.docker_image and tag == self.task_env_config.docker_image:
            return tag
        lock = _BUILD_LOCKS.setdefault((id(asyncio.get_running_loop()), f"{self._docker_host}|{tag}"), asyncio.Lock())
        async with lock:
            if not force_build:
                try:
                    await _run(self.client.images.get, tag)
                    return tag
                except docker.errors.ImageNotFound:
                    pass
            try:
                await _run(
                    self.client.images.build,
                    path=str(self.environment_dir),
                    tag=tag,
                    rm=True,
                    labels={"swerl.task": self.environment_name},
                    network_mode="none",
                )
            except docker.errors.BuildError as exc:
                log = "".join(str(x.get("stream", x.get("error", ""))) for x in exc.build_log)[-2000:]
                raise SandboxBuildFailedError(f"building {self.environment_dir} failed: {exc.msg}\n{log}") from exc
        return tag

    async def start(self, force_build: bool) -> None:
        image = await self.ensure_image(force_build)
        env = self._startup_env()
        kwargs: dict[str, Any] = dict(
            command=["sleep", "infinity"],
            init=True,
            detach=True,
            auto_remove=False,
            labels={LABEL_RUN: self._run_label, LABEL_TRIAL: self.session_id},
            environment=env,
            working_dir=self.task_env_config.workdir or None,
            extra_hosts={HOST_ALIAS: "host-gateway"},
        )
        if self._egress == "proxy_only":
            from swerl.rollout.network import proxy_target

            net, relay = await _run(
                _egress.prepare,
                self.client,
                self._run_label,
                proxy_target(self._proxy_url),
                self._relay_image,
                self._network,
            )
            kwargs["network"] = net
            kwargs["extra_hosts"] = {HOST_ALIAS: relay} if relay else {}
        elif self._network:
            kwargs["network"] = self._network
        # User mounts (e.g. the claude binary, read-only): bind on a local daemon; a remote one gets a copy after start.
        binds = [m for m in self._mounts if m.get("type") == "bind" and Path(m["source"]).exists()]
        if binds and not self._docker_host:
            kwargs["volumes"] = {
                m["source"]: {"bind": m["target"], "mode": "ro" if m.get("read_only") else "rw"} for m in binds
            }
        if cpus := self._effective_cpus:
            kwargs["nano_cpus"] = int(float(cpus) * 1e9)
        if mem := self._effective_memory_mb:
            kwargs["mem_limit"] = f"{mem}m"
        self._container = await _run(self.client.containers.run, image, **kwargs)
        dirs = [str(p) for p in self._harbor_dirs()]
        await self.exec(
            f"mkdir -p {' '.join(map(shlex.quote, dirs))} && chmod 777 {' '.join(map(shlex.quote, dirs))}"
            + (f" && mkdir -p {shlex.quote(self.task_env_config.workdir)}" if self.task_env_config.workdir else ""),
            user="root",
        )
        if binds and self._docker_host:
            for m in binds:
                src = Path(m["source"])
                await (self.upload_dir(src, m["target"]) if src.is_dir() else self.upload_file(src, m["target"]))

    def _harbor_dirs(self) -> list[str]:
        from harbor.models.trial.paths import EnvironmentPaths

        p = EnvironmentPaths.for_os(self.os)
        return [str(p.agent_dir), str(p.verifier_dir), str(p.artifacts_dir)]

    async def stop(self, delete: bool) -> None:
        c, self._container = self._container, None
        if c is None:
            return
        try:
            await _run(c.remove, force=True)
        except Exception as exc:  # already gone (killed from outside): nothing to clean
            self.logger.debug(f"remove {c.id[:12]}: {exc}")

    @property
    def container(self) -> Any:
        if self._container is None:
            raise RuntimeError("sandbox not started (or already stopped)")
        return self._container

    async def exec(
        self,
        command: str,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_sec: int | None = None,
        user: str | int | None = None,
    ) -> ExecResult:
        merged = self._merge_env(env) or {}
        user = self._resolve_user(user)
        argv = ["bash", "-c", command]
        if timeout_sec:
            # The API cannot cancel an exec: let coreutils `timeout` kill it inside the sandbox.
            argv = ["timeout", "-s", "KILL", str(int(timeout_sec)), *argv]
        api = self.client.api
        cid = self.container.id

        def go() -> ExecResult:
            ex = api.exec_create(
                cid,
                argv,
                workdir=cwd or self.task_env_config.workdir or None,
                environment=merged or None,
                user=str(user) if user is not None else "",
            )
            cap = CappedOutput()
            chunks = api.exec_start(ex["Id"], stream=True, demux=True)
            try:
                for out, err in chunks:
                    cap.stdout.add(out or b"")
                    cap.stderr.add(err or b"")
                    if cap.over:
                        break
            finally:
                chunks.close()
            rc = api.exec_inspect(ex["Id"])["ExitCode"]
            return cap.result(rc if rc is not None else -1)

        result = await _run(go)
        return await emit_output(self, result)

    async def _mkdir(self, path: str) -> None:
        r = await self.exec(f"mkdir -p {shlex.quote(path)}", user="root")
        if r.return_code != 0:
            raise RuntimeError(f"mkdir {path} in sandbox failed: {r.stderr}")

    async def upload_file(self, source_path: Path | str, target_path: str) -> None:
        parent, name = os.path.split(target_path.rstrip("/"))
        await self._mkdir(parent or "/")
        data = _tar_of(Path(source_path), name)
        await _run(self.container.put_archive, parent or "/", data)

    async def upload_dir(self, source_dir: Path | str, target_dir: str) -> None:
        await self._mkdir(target_dir)
        data = _tar_of(Path(source_dir), ".")
        await _run(self.container.put_archive, target_dir, data)

    async def download_file(self, source_path: str, target_path: Path | str) -> None:
        stream, _ = await _run(self.container.get_archive, source_path)
        await _run(first_file_spooled, stream, Path(target_path))

    async def download_dir(self, source_dir: str, target_dir: Path | str) -> None:
        stream, _ = await _run(self.container.get_archive, source_dir.rstrip("/") + "/.")
        await _run(extract_spooled, stream, Path(target_dir))
