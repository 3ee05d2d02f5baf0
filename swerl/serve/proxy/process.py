"""The LiteLLM proxy as a child process (own process group): start, wait until ready, stop."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from swerl.config.schema import SwerlConfig
from swerl.run.orphan import child_env
from swerl.run.procs import stop_child_group
from swerl.serve.proxy.middleware import GATEWAY_ENV, IDENTITY_PATH, NONCE_ENV
from swerl.serve.proxy.config import CALLBACK, install_user_callback, proxy_config, write_proxy_config


class ProxyError(RuntimeError):
    """The proxy did not come up (message names the log to read)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def auto_workers() -> int:
    """`infrastructure.litellm_workers: 0`: one LiteLLM worker per 2 CPU cores this process may use, 1–16."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return max(1, min(16, cores // 2))


def master_key_for(cfg: SwerlConfig) -> str:
    """The proxy key from the env var the config names; generated (and exported there) when unset."""
    env = cfg.input.credentials.proxy_master_key_env
    key = os.environ.get(env)
    if not key:
        key = os.environ[env] = f"sk-swerl-{secrets.token_hex(16)}"
    return key


class ProxyProcess:
    def __init__(
        self,
        cfg: SwerlConfig,
        gateway_url: str,
        trials_root: Path,
        master_key: str,
        *,
        state_dir: Path | None = None,
        port: int | None = None,
        workers: int | None = None,
        max_tokens_cap: int | None = None,
    ):
        from swerl.config.paths import RunPaths

        infra = cfg.input.infrastructure
        self.cfg, self.gateway_url, self.trials_root, self.master_key = cfg, gateway_url, Path(trials_root), master_key
        self.host = infra.litellm_host
        self.port = port if port is not None else infra.litellm_port
        self.workers = workers or infra.litellm_workers or auto_workers()
        self.max_tokens_cap = max_tokens_cap if max_tokens_cap is not None else cfg.input.training.max_tokens_per_turn
        self.state_dir = Path(state_dir) if state_dir else RunPaths.of(cfg).state_dir
        self.proc: subprocess.Popen | None = None
        self.nonce = ""

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def trial_base_url(self, trial_id: str, host: str | None = None) -> str:
        """What an agent uses as its base URL (Anthropic: as is; OpenAI: + `/v1`)."""
        return f"http://{host or self.base_url.split('//', 1)[1].rsplit(':', 1)[0]}:{self.port}/trial/{trial_id}"

    @property
    def config_path(self) -> Path:
        return self.state_dir / f"litellm_{self.port}.yaml"

    @property
    def log_path(self) -> Path:
        return self.state_dir / f"litellm_{self.port}.log"

    def start(self) -> "ProxyProcess":
        if self.port == 0:
            self.port = free_port(self.host or "127.0.0.1")
        env_name = self.cfg.input.credentials.proxy_master_key_env
        callback = CALLBACK
        if src := self.cfg.input.experiment.trajectory_logger_src:  # a user's LiteLLM callback replaces ours
            from swerl.config.load import resolve

            callback = install_user_callback(Path(resolve(self.cfg, src)), self.config_path.parent)
        conf = proxy_config(self.cfg.input.model.served_model_name, self.gateway_url, env_name, callback=callback)
        write_proxy_config(self.config_path, conf)
        env = {
            **os.environ,
            env_name: self.master_key,
            "SWERL_PROXY_KEY_ENV": env_name,
            "CONFIG_FILE_PATH": str(self.config_path),
            "SWERL_TRIALS_ROOT": str(self.trials_root),
            GATEWAY_ENV: self.gateway_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "ANTHROPIC_API_KEY": self.cfg.input.infrastructure.anthropic_api_key,
            "LITELLM_LOG": "ERROR",
            "LITELLM_TELEMETRY": "False",
            "DISABLE_ADMIN_UI": "True",
            "NO_DOCS": "True",
        }
        if self.max_tokens_cap:
            env["SWERL_MAX_TOKENS_CAP"] = str(self.max_tokens_cap)
        env.pop("LITELLM_MASTER_KEY", None)
        self.nonce = secrets.token_hex(8)
        env = child_env({**env, NONCE_ENV: self.nonce})
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "swerl.serve.proxy.launch",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        return self

    def identity(self) -> str:
        """The nonce the server on our port answers with ("" when none / not a swerl proxy)."""
        try:
            r = httpx.get(f"{self.base_url}{IDENTITY_PATH}", timeout=2)
            return r.json().get("nonce", "") if r.status_code == 200 else ""
        except (httpx.HTTPError, ValueError, AttributeError):
            return ""

    def wait_ready(self, timeout: float = 90.0) -> "ProxyProcess":
        """Ready = the server on the port is the proxy THIS object started (its per-start nonce) and LiteLLM
        answers liveliness — a stale proxy of a dead run on the same port never passes."""
        deadline = time.time() + timeout
        seen_other = ""
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                hint = f" (port {self.port} is held by another server{seen_other})" if seen_other else ""
                raise ProxyError(f"LiteLLM proxy exited with code {self.proc.returncode}{hint} — see {self.log_path}")
            nonce = self.identity()
            if nonce and nonce == self.nonce:
                try:
                    if httpx.get(f"{self.base_url}/health/liveliness", timeout=2).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            elif nonce:
                seen_other = ": another swerl proxy answers there"
            time.sleep(0.5)
        raise ProxyError(f"LiteLLM proxy not ready on {self.base_url} after {timeout:.0f}s — see {self.log_path}")

    def stop(self, timeout: float = 15.0) -> None:
        stop_child_group(self.proc, timeout)

    def __enter__(self) -> "ProxyProcess":
        return self.start().wait_ready()

    def __exit__(self, *exc) -> None:
        self.stop()
