"""The gateway as a child process (own process group, parent watchdog): start, wait until ready, stop.

Used where the engine is remote (vLLM replicas over HTTP): the node's serving stack on the verl path. The local
engine shares the trainer's weights, so its gateway stays in-process (`swerl.serve.gateway.server`).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from swerl.run.orphan import child_env
from swerl.run.procs import stop_child_group


class GatewayError(RuntimeError):
    """The gateway process did not come up (the message names its log)."""


class GatewayProcess:
    def __init__(
        self,
        config_path: str | Path,
        replicas: list[str],
        model: str,
        model_dir: str | Path,
        *,
        log_path: Path,
        trials_root: Path | None = None,
        max_len: int | None = None,
        max_tokens_cap: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.config_path, self.replicas, self.model, self.model_dir = str(config_path), replicas, model, str(model_dir)
        self.log_path, self.trials_root, self.max_len, self.max_tokens_cap = (
            Path(log_path),
            trials_root,
            max_len,
            max_tokens_cap,
        )
        self.host, self.port = host, port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "GatewayProcess":
        from swerl.serve.proxy.process import free_port

        if self.port == 0:
            self.port = free_port(self.host)
        cmd = [sys.executable, "-m", "swerl.serve.gateway.main", "--config", self.config_path]
        cmd += ["--replicas", ",".join(self.replicas), "--model", self.model, "--model-dir", self.model_dir]
        cmd += ["--host", self.host, "--port", str(self.port)]
        if self.trials_root is not None:
            cmd += ["--trials-root", str(self.trials_root)]
        if self.max_len:
            cmd += ["--max-len", str(self.max_len)]
        if self.max_tokens_cap:
            cmd += ["--max-tokens-cap", str(self.max_tokens_cap)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                env=child_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    def wait_ready(self, timeout: float = 120.0) -> "GatewayProcess":
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise GatewayError(f"gateway exited with code {self.proc.returncode} — see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise GatewayError(f"gateway not ready on {self.url} after {timeout:.0f}s — see {self.log_path}")

    def stop(self, timeout: float = 15.0) -> None:
        stop_child_group(self.proc, timeout)
