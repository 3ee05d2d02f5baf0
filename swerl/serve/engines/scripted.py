"""ScriptedEngine — a TEST DOUBLE for chain tests (the real policy is LocalEngine / VLLMEngine).

Replies are deterministic text chosen by a policy function from the decoded prompt, then tokenized with the
real tokenizer, so every id is a real id of the model's vocabulary and decodes back to the reply. Logprobs
are a fixed, visible pattern (not a model's): −0.01·(1 + i mod 7).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from swerl.serve.engines.base import Generation

Policy = Callable[[str, int], str]
"""(decoded prompt text, call number in this session) → reply text (tool calls in the parser's format)."""


def bash_then_done(prompt: str, n: int) -> str:
    """Default script: once the conversation holds a tool result, finish; else call the first bash-like tool
    (hermes format) — enough to drive Claude Code / OpenAI agents through one tool round trip."""
    if "<tool_response>" in prompt or "<|im_start|>tool" in prompt:
        return "Done: the command ran."
    m = re.search(r'"name":\s*"(Bash|bash|shell|execute_bash|run_command)"', prompt)
    if not m:
        return "Hello from the scripted policy."
    call = {
        "name": m.group(1),
        "arguments": {
            "command": "echo swerl-scripted > scripted.txt && cat scripted.txt",
            "description": "Write a file",
        },
    }
    return f"I will run a command.\n<tool_call>\n{json.dumps(call)}\n</tool_call>"


class ScriptedEngine:
    name = "scripted"

    def __init__(self, tokenizer, policy: Policy = bash_then_done):
        self.tokenizer = tokenizer
        self.policy = policy
        self.calls: dict[str | None, int] = {}
        self.eos = tokenizer.eos_token_id

    async def generate(
        self,
        prompt_ids: list[int],
        *,
        max_tokens: int,
        temperature: float = 1.0,
        top_p: float = 1.0,
        stop_token_ids: list[int] | None = None,
        session: str | None = None,
    ) -> Generation:
        n = self.calls.get(session, 0)
        self.calls[session] = n + 1
        text = self.policy(self.tokenizer.decode(prompt_ids), n)
        ids = self.tokenizer.encode(text, add_special_tokens=False)
        finish = "stop"
        if len(ids) >= max_tokens:
            ids, finish = ids[:max_tokens], "length"
        else:
            ids = ids + [stop_token_ids[0] if stop_token_ids else self.eos]
        return Generation(token_ids=ids, logprobs=[-0.01 * (1 + i % 7) for i in range(len(ids))], finish_reason=finish)

    async def aclose(self) -> None:
        return None
