"""`swerl-bash`: swerl's small bash agent for the embedded CPU default.

Runs in the host process (a Harbor agent; nothing installed in the sandbox), talks to the proxy's OpenAI
route, and each turn executes the one ```bash block the model wrote through the environment's exec.
The prompt is short on purpose: the default policy is a 135M model with 8k context at ~10 tok/s.

Failures that say nothing about the policy raise typed errors the runner masks:
`ProxyError` (proxy/gateway unreachable or 5xx), `ContextOverflowError` (prompt no longer fits),
`SandboxDiedError` (the container went away under the agent).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import httpx
from harbor.agents.base import BaseAgent
from harbor.environments.base import BaseEnvironment
from harbor.models.agent.context import AgentContext

SYSTEM = (
    "You are a shell agent in a Linux sandbox (cwd /app). Each turn, reply with exactly one command in a "
    "```bash block; you will see its output. When the task is done, reply DONE."
)
# Few-shot turns in chat form: a 135M model copies a demonstrated reply shape far better than it follows a
# described one (measured: a usable block in ~15% of replies without them at T=1, ~100% with them at T=0.7).
# They teach the reply format only — no shipped task's file names or commands appear in them.
SHOTS: tuple[tuple[str, str], ...] = (
    ("Show the current directory.", "pwd"),
    ("Print the word ok.", "echo ok"),
    ("Show the files in /tmp.", "ls /tmp"),
)
_BLOCK = re.compile(r"```(?:bash|sh|shell)?[ \t]*\n(.*?)```", re.S)
_DONE_CMD = re.compile(r"^(?:echo\s+)?[\"']?DONE[\"'.!]?$")
_OPEN_BLOCK = re.compile(r"```(?:bash|sh|shell)?[ \t]*\n(.+)$", re.S)


class ProxyError(RuntimeError):
    """The model endpoint failed (connection, 5xx): infrastructure, not the policy."""


class ContextOverflowError(RuntimeError):
    """The conversation no longer fits the model's context."""


class SandboxDiedError(RuntimeError):
    """The sandbox disappeared while the agent was using it."""


def extract_command(text: str) -> str | None:
    """First fenced block (a block cut off by max_tokens counts too); None when there is none."""
    m = _BLOCK.search(text) or _OPEN_BLOCK.search(text)
    if not m:
        return None
    cmd = m.group(1).strip()
    return cmd or None


def initial_messages(instruction: str) -> list[dict]:
    """System prompt, the few-shot turns (task → one bash block), then the task."""
    messages: list[dict] = [{"role": "system", "content": SYSTEM}]
    for task, cmd in SHOTS:
        messages += [{"role": "user", "content": task}, {"role": "assistant", "content": f"```bash\n{cmd}\n```"}]
    return messages + [{"role": "user", "content": instruction}]


def feedback(exit_code: int, output: str) -> str:
    """The user turn after a command: its result, and a nudge to stop (a repeated `>>` undoes an append)."""
    return f"exit code {exit_code}\n{output or '(no output)'}\nIf the task is done, reply DONE."


def is_done_command(cmd: str) -> bool:
    """`DONE` / `echo "DONE"` written as a command: the small model's way of saying it is finished."""
    return bool(_DONE_CMD.match(cmd.strip()))


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n…[{len(text) - limit} chars cut]…\n{text[-half:]}"


def _append(path: Path, entry: dict) -> None:
    with path.open("a") as f:  # line by line: a killed trial still leaves its turns on disk
        f.write(json.dumps(entry) + "\n")


class SwerlBashAgent(BaseAgent):
    def __init__(
        self,
        logs_dir: Path,
        model_name: str | None = None,
        *,
        api_base: str = "",
        api_key: str = "",
        api_key_env: str = "",
        trial_id: str = "",
        max_turns: int = 8,
        max_tokens: int = 128,
        temperature: float = 1.0,
        top_p: float = 1.0,
        output_chars: int = 1000,
        command_timeout_sec: int = 60,
        request_timeout_sec: float = 600.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(logs_dir=logs_dir, model_name=model_name, **kwargs)
        if not api_base:
            raise ValueError("swerl-bash needs api_base (the trial's proxy URL + /v1)")
        self.api_base = api_base.rstrip("/")
        # the key comes from the runner's environment (a kwarg would land in Harbor's config.json/result.json)
        self.api_key = api_key or (os.environ.get(api_key_env, "") if api_key_env else "")
        self.trial_id = trial_id
        self.max_turns = max_turns
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.top_p = top_p
        self.output_chars = output_chars
        self.command_timeout_sec = command_timeout_sec
        self.request_timeout_sec = request_timeout_sec

    @staticmethod
    def name() -> str:
        return "swerl-bash"

    def version(self) -> str:
        return "0.1"

    async def setup(self, environment: BaseEnvironment) -> None:
        pass

    async def _chat(self, client: httpx.AsyncClient, messages: list[dict]) -> dict:
        body = {
            "model": self.model_name,
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if self.trial_id:
            headers["x-swerl-trial-id"] = self.trial_id
        try:
            r = await client.post(f"{self.api_base}/chat/completions", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ProxyError(f"{self.api_base}: {type(exc).__name__}: {exc}") from exc
        text = r.text
        if r.status_code >= 400:
            low = text.lower()
            if any(
                k in low for k in ("context length", "context_length", "maximum context", "too long", "contextwindow")
            ):
                raise ContextOverflowError(f"HTTP {r.status_code}: {text[:300]}")
            raise ProxyError(f"HTTP {r.status_code} from {self.api_base}: {text[:300]}")
        return r.json()

    async def run(self, instruction: str, environment: BaseEnvironment, context: AgentContext) -> None:
        messages = initial_messages(instruction)
        log_path = self.logs_dir / "swerl-bash.jsonl"
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        n_in = n_out = 0
        stop = "max_turns"
        async with httpx.AsyncClient(timeout=self.request_timeout_sec) as client:
            for turn in range(self.max_turns):
                t0 = time.time()
                resp = await self._chat(client, messages)
                choice = resp["choices"][0]
                reply = choice["message"].get("content") or ""
                usage = resp.get("usage") or {}
                n_in += int(usage.get("prompt_tokens") or 0)
                n_out += int(usage.get("completion_tokens") or 0)
                messages.append({"role": "assistant", "content": reply})
                cmd = extract_command(reply)
                if cmd is not None and is_done_command(cmd):
                    cmd = None  # the model "ran" DONE (```bash echo DONE```): it means it is done, not a command
                entry: dict[str, Any] = {
                    "turn": turn,
                    "reply": reply,
                    "finish_reason": choice.get("finish_reason"),
                    "command": cmd,
                    "llm_s": round(time.time() - t0, 3),
                }
                if cmd is None:
                    stop = "done" if "DONE" in reply else "no_command"
                    _append(log_path, entry)
                    break
                try:
                    res = await environment.exec(cmd, timeout_sec=self.command_timeout_sec)
                except Exception as exc:  # the container is gone: not the policy's fault
                    raise SandboxDiedError(f"exec failed: {type(exc).__name__}: {exc}") from exc
                out = (res.stdout or "") + (res.stderr or "")
                entry.update(exit_code=res.return_code, output=truncate(out, self.output_chars))
                _append(log_path, entry)
                if res.return_code in (125, 126, 127) and "No such container" in out:
                    raise SandboxDiedError(out[:200])
                if "DONE" in reply.replace(cmd, ""):
                    stop = "done"
                    break
                messages.append(
                    {"role": "user", "content": feedback(res.return_code, truncate(out, self.output_chars))}
                )
        context.n_input_tokens = n_in
        context.n_output_tokens = n_out
        context.metadata = {**(context.metadata or {}), "turns": turn + 1, "stop": stop}
