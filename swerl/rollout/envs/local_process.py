"""A Harbor environment that runs commands as host subprocesses — NO ISOLATION.

Only a fallback for machines without Docker (the GPU machines): the agent's commands run as the host user,
with the host's network and binaries. Each trial gets a fresh root dir (`<base>/swerl-local-…/`) holding its
sandbox paths: the task workdir (`/app`), `/logs`, `/tests`, `/solution` and its own `/tmp` (a model that
runs `rm -rf /tmp/*` must not wipe the host's /tmp — where the sandboxes, Ray's session and the GPU kit
live: seen on the GPU machine at 256 trials/step). Two ways to make those absolute paths land there:

- `namespace` (root + a working `unshare -m`): every exec runs in its own private mount namespace where the
  trial root is bind-mounted at `/run/swerl-sandbox`, and from there its dirs over `/app`, `/logs`, `/tests`,
  `/solution`, `/tmp` — commands see the same paths as in Docker. The mount points are created empty on the
  host once (needs root); the host never sees the binds, so concurrent trials don't collide. Where the host
  allows it, every exec also joins the trial's own PID namespace (held by one `unshare --pid` process started
  with the sandbox): background jobs survive from one exec to the next, as in Docker, and stopping the sandbox
  kills everything in it — also what escaped the environment marker below (`sudo` resets the environment,
  `env -i`; seen on the GPU machine: the policy runs `sudo …`).
- `rewrite` (anything else): those path prefixes in each command string are rewritten (one pass) to the
  trial root, `SWERL_SANDBOX_ROOT` is exported and `TMPDIR` points into the root; scripts that hard-code
  `/app` inside a file must write `${SWERL_SANDBOX_ROOT:-}/app` (the shipped tasks do; Docker leaves it
  empty).

The environment is built from the task's Dockerfile by interpreting the subset our tasks use: `WORKDIR`,
`COPY`/`ADD` (local files), `ENV`, `RUN` (executed in the sandbox); `FROM` and the rest are ignored, so the
host must already have what the image would (bash + coreutils for tasks/easy; python3 + pytest for swe-mini).

Selected with `harbor_agent.environment_import_path: swerl.rollout.envs.local_process:LocalProcessEnvironment`
(or `swerl tasks validate … --env local`). Kwargs: `mode` (auto|namespace|rewrite, env SWERL_LOCAL_SANDBOX_MODE),
`base_dir` (env SWERL_LOCAL_SANDBOX_DIR, default the system temp dir), `keep` (leave the root dir for debugging).
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from harbor.environments.base import BaseEnvironment, ExecResult
from harbor.environments.capabilities import EnvironmentCapabilities
from harbor.models.environment_type import EnvironmentType
from harbor.models.trial.paths import EnvironmentPaths

from swerl.rollout.envs import dockerfile
from swerl.rollout.envs.copyout import copy_capped
from swerl.rollout.envs.output import CappedOutput, CappedStream, emit_output

ROOT_ENV = "SWERL_SANDBOX_ROOT"
DEV_READONLY = "mount --rbind /dev /dev && mount -o remount,bind,ro /dev"
"""namespace mode: the host's /dev, read-only in the exec's namespace — device nodes still work (`> /dev/null`),
/dev/shm and /dev/pts stay writable, but a model's `rm /dev/null` cannot delete the host's (seen on the GPU
machine: a third of a 256-trial step failed on `No such file or directory: '/dev/null'`)."""

SANDBOX_MOUNT = "/run/swerl-sandbox"
"""namespace mode: where an exec's mount namespace sees its trial root (so binds still reach it once /tmp is
covered, even when the root itself lives under the host's /tmp)."""
MARK_ENV = "SWERL_LOCAL_TRIAL"
_warned = False


def _kill_marked(root: str) -> int:
    """SIGKILL every process whose environment carries this trial's marker (children, background jobs, setsid'd
    daemons alike: the environment is inherited). A pid or group id alone could be reused by a stranger."""
    mark, n = f"\0{MARK_ENV}={root}\0".encode(), 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            if mark in b"\0" + (d / "environ").read_bytes():
                os.kill(int(d.name), signal.SIGKILL)
                n += 1
        except (OSError, ValueError):
            continue
    return n


def _warn_once(mode: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        print(
            f"swerl: WARNING local-process sandbox ({mode} mode): NO ISOLATION — agent commands run as host "
            f"processes as uid {os.getuid()}, with the host's network and files",
            file=sys.stderr,
        )


PID_NS_INIT = ("bash", "-c", "while :; do sleep 3600 & wait $!; done")
"""The PID namespace's init: it reaps the orphans the trial's commands leave (bash reaps every child on SIGCHLD),
as Docker's `init: true` does — `sleep infinity` as init kept each one a zombie (`kill -0` still saw it)."""


@lru_cache(maxsize=1)
def pid_namespace_supported() -> bool:
    """`unshare --pid --fork --kill-child` works (root, and a host that lets us create PID namespaces)."""
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("nsenter")):
        return False
    try:
        r = subprocess.run(
            ["unshare", "--pid", "--fork", "--kill-child", "--", "true"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def _child_pid(pid: int, wait_s: float = 5.0) -> int:
    """The first child of `pid` (the PID-namespace holder's init: `unshare --fork` forks it), 0 if none in time."""
    import time

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return 0
        if kids:
            return int(kids[0])
        time.sleep(0.01)
    return 0


@lru_cache(maxsize=1)
def namespace_supported() -> bool:
    """Root with a working private mount namespace in which /dev can be made read-only (fails in unprivileged
    containers)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    try:
        r = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "bash", "-c", DEV_READONLY],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


class LocalProcessEnvironment(BaseEnvironment):
    def __init__(self, *args: Any, mode: str = "", base_dir: str = "", keep: bool = False, **kwargs: Any) -> None:
        mode = mode or os.environ.get("SWERL_LOCAL_SANDBOX_MODE", "auto")
        if mode not in ("auto", "namespace", "rewrite"):
            raise ValueError(f"local sandbox mode={mode!r}: use auto, namespace or rewrite")
        if mode == "auto":
            mode = "namespace" if namespace_supported() else "rewrite"
        elif mode == "namespace" and not namespace_supported():
            raise RuntimeError(
                "local sandbox mode=namespace needs root and a working `unshare --mount`: use mode=rewrite"
            )
        self.mode = mode
        self._base_dir = base_dir or os.environ.get("SWERL_LOCAL_SANDBOX_DIR", "") or tempfile.gettempdir()
        self._keep = keep
        self.root: Path | None = None
        self._env: dict[str, str] = {}
        self._holder: asyncio.subprocess.Process | None = None
        self._pid_ns_init = 0
        super().__init__(*args, **kwargs)
        _warn_once(self.mode)

    # --- Harbor's interface -------------------------------------------------------------------
    @staticmethod
    def type() -> EnvironmentType:
        return EnvironmentType.DOCKER  # closest kind; Harbor only uses it for display and OS defaults

    @property
    def capabilities(self) -> EnvironmentCapabilities:
        return EnvironmentCapabilities(mounted=False)

    def _validate_definition(self) -> None:
        if not (self.environment_dir / "Dockerfile").is_file():
            raise FileNotFoundError(
                f"{self.environment_dir}/Dockerfile missing: the local sandbox reads its WORKDIR/COPY/ENV/RUN lines"
            )

    @property
    def workdir(self) -> str:
        return self.task_env_config.workdir or "/app"

    def _prefixes(self) -> list[str]:
        p = EnvironmentPaths.for_os(self.os)
        return [self.workdir, str(p.logs_dir), str(p.tests_dir), str(p.solution_dir), "/tmp"]

    def host_path(self, sandbox_path: str) -> Path:
        """Where a sandbox path lives on the host: always inside the trial root (uploads never touch the host)."""
        if self.root is None:
            raise RuntimeError("sandbox not started (or already stopped)")
        p = PurePosixPath(sandbox_path)
        if not p.is_absolute():
            p = PurePosixPath(self.workdir) / p
        return self.root / str(p).lstrip("/")

    def rewrite(self, command: str) -> str:
        """rewrite mode: `/app/x`, `/logs/…`, `/tmp/…` → `<root>/app/x` …; `/application`, `a/app` stay. One pass,
        so a root that itself lives under /tmp is not rewritten twice."""
        assert self.root is not None
        alts = "|".join(re.escape(p.rstrip("/")) for p in sorted(self._prefixes(), key=len, reverse=True))
        pat = re.compile(r"(?<![\w./~-])(" + alts + r")(?=/|$|[\s\"';:|&<>()`])")
        return pat.sub(lambda m: str(self.root) + m.group(1), command)

    async def start(self, force_build: bool) -> None:
        base = Path(self._base_dir)
        base.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f"swerl-local-{self.session_id[:48]}-", dir=base))
        if self.mode == "namespace":
            for prefix in [*self._prefixes(), SANDBOX_MOUNT]:
                Path(prefix).mkdir(parents=True, exist_ok=True)  # empty mount points on the host
        paths = EnvironmentPaths.for_os(self.os)
        for d in (
            self.workdir,
            paths.agent_dir,
            paths.verifier_dir,
            paths.artifacts_dir,
            paths.tests_dir,
            paths.solution_dir,
            "/tmp",
        ):
            self.host_path(str(d)).mkdir(parents=True, exist_ok=True)
        bin_dir = self.root / "usr/local/bin"
        ours = [PurePosixPath(p) for p in self._prefixes()]
        for m in self._mounts:  # e.g. the claude binary: a link inside the root, put on PATH
            if any(PurePosixPath(m["target"]).is_relative_to(p) for p in ours):
                continue  # Harbor's own output dirs: they live in the root already, copied back after
            if m.get("type") == "bind" and Path(m["source"]).exists():
                link = self.host_path(m["target"])
                link.parent.mkdir(parents=True, exist_ok=True)
                link.unlink(missing_ok=True)
                link.symlink_to(m["source"])
        seen_bin = bin_dir if self.mode == "rewrite" else Path(SANDBOX_MOUNT) / "usr/local/bin"
        self._env = {
            ROOT_ENV: str(self.root) if self.mode == "rewrite" else "",
            "TMPDIR": str(self.host_path("/tmp")) if self.mode == "rewrite" else "/tmp",
            "PATH": f"{seen_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            **self._startup_env(),
        }
        if self.mode == "namespace" and pid_namespace_supported():
            await self._start_pid_namespace()
        await dockerfile.apply(self, self.environment_dir / "Dockerfile", self.workdir, self._env)

    async def _start_pid_namespace(self) -> None:
        """The trial's PID namespace: `unshare --pid --fork --kill-child` of `PID_NS_INIT` — its forked child is
        the namespace's init; killing the holder (our own child, so its pid is ours until we reap it) makes the
        kernel kill the init and with it every process of the namespace."""
        self._holder = await asyncio.create_subprocess_exec(
            *("unshare", "--pid", "--fork", "--kill-child", "--", *PID_NS_INIT),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        self._pid_ns_init = await asyncio.to_thread(_child_pid, self._holder.pid)
        if not self._pid_ns_init:
            await self._stop_pid_namespace()
            raise RuntimeError("local sandbox: the PID-namespace holder (`unshare --pid --fork`) did not start")

    async def _stop_pid_namespace(self) -> None:
        holder, self._holder, self._pid_ns_init = self._holder, None, 0
        if holder is not None and holder.returncode is None:
            try:
                holder.kill()
            except ProcessLookupError:
                pass
            await holder.wait()

    async def stop(self, delete: bool) -> None:
        root, self.root = self.root, None
        await self._stop_pid_namespace()
        if root is not None:
            await asyncio.to_thread(_kill_marked, str(root))
        if root is not None and not self._keep:
            await asyncio.to_thread(shutil.rmtree, root, True)

    def _argv(self, command: str, cwd: str) -> list[str]:
        assert self.root is not None
        if self.mode == "rewrite":
            return ["bash", "-c", self.rewrite(command)]
        binds = " && ".join(
            [DEV_READONLY, f"mount --bind {shlex.quote(str(self.root))} {SANDBOX_MOUNT}"]
            + [f"mount --bind {SANDBOX_MOUNT}/{shlex.quote(p.strip('/'))} {shlex.quote(p)}" for p in self._prefixes()]
        )
        setup = f'{binds} && cd {shlex.quote(cwd)} && exec bash -c "$0"'
        argv = ["unshare", "--mount", "--propagation", "private", "--", "bash", "-c", setup, command]
        if self._pid_ns_init:  # join the trial's PID namespace (nsenter forks into it)
            argv = ["nsenter", f"--target={self._pid_ns_init}", "--pid", "--", *argv]
        return argv

    async def exec(
        self,
        command: str,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_sec: int | None = None,
        user: str | int | None = None,
    ) -> ExecResult:
        """`user` is ignored: everything runs as the host user."""
        if self.root is None:
            raise RuntimeError("sandbox not started (or already stopped)")
        cwd = cwd or self.workdir
        host_cwd = self.host_path(cwd)
        host_cwd.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, **self._env, **(self._merge_env(env) or {}), MARK_ENV: str(self.root)}
        proc = await asyncio.create_subprocess_exec(
            *self._argv(command, cwd),
            cwd=str(host_cwd),
            env=full_env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        cap = CappedOutput()

        def kill() -> None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        async def pump(stream: asyncio.StreamReader, into: CappedStream) -> None:
            while chunk := await stream.read(1 << 16):
                into.add(chunk)
                if cap.over:
                    kill()  # keeps draining until EOF: the pipes close as the group dies

        try:
            await asyncio.wait_for(
                asyncio.gather(pump(proc.stdout, cap.stdout), pump(proc.stderr, cap.stderr), proc.wait()),
                timeout_sec or None,
            )
            rc = proc.returncode if proc.returncode is not None else -1
        except (TimeoutError, asyncio.CancelledError) as exc:
            kill()
            await proc.wait()
            if isinstance(exc, asyncio.CancelledError):
                raise
            cap.stderr.add(f"timed out after {timeout_sec}s".encode())
            rc = 124
        result = cap.result(rc)
        return await emit_output(self, result)

    async def upload_file(self, source_path: Path | str, target_path: str) -> None:
        dst = self.host_path(target_path)
        dst.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.copy2, source_path, dst)

    async def upload_dir(self, source_dir: Path | str, target_dir: str) -> None:
        dst = self.host_path(target_dir)
        await asyncio.to_thread(shutil.copytree, source_dir, dst, dirs_exist_ok=True, symlinks=True)

    async def download_file(self, source_path: str, target_path: Path | str) -> None:
        await asyncio.to_thread(copy_capped, str(self.host_path(source_path)), str(target_path))  # makes the parent

    async def download_dir(self, source_dir: str, target_dir: Path | str) -> None:
        await asyncio.to_thread(
            shutil.copytree,
            self.host_path(source_dir),
            Path(target_dir),
            dirs_exist_ok=True,
            symlinks=True,
            copy_function=copy_capped,
        )
