"""Continuous tokens per trial: reuse the exact ids already sampled, tokenize only what is new.

A trial keeps a few *branches* (its main conversation plus side calls such as title generation). A request
continues a branch when its messages are that branch's messages + the reply the gateway gave + new messages;
the prompt is then `branch ids (prompt + sampled response) + tokens of the delta`. The delta is the rendered
text after a sentinel put where the reply was, minus the end-of-turn token already sampled. Anything else
(history rewritten, compaction, changed tools) starts a new segment, counted — never silently re-tokenized.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from swerl.serve.gateway.render import SENTINEL, ChatRenderer, canon, tools_key


@dataclass
class Branch:
    segment: int
    keys: list[str]
    """canon() of the request messages that produced the last reply."""
    tools: str
    reply_key: str
    """canon() of the reply as the client will send it back."""
    ids: list[int]
    """prompt_ids + response_ids of the last call."""
    finish_reason: str
    stop_text: str
    """Decoded last sampled token (the end-of-turn the template will render again)."""
    call_id: str = ""
    """The gateway call that produced `ids` (a continuing call's token record names it as its parent)."""


@dataclass
class Plan:
    prompt_ids: list[int]
    segment: int
    new_segment: bool
    reused: int
    """How many leading prompt ids are the previous call's prompt + response (0 for a new segment)."""
    keys: list[str]
    tools: str
    branch: Branch | None


@dataclass
class TrialSession:
    branches: list[Branch] = field(default_factory=list)
    segments: int = 0
    max_branches: int = 8

    def plan(self, renderer: ChatRenderer, messages: list[dict], tools: list[dict] | None) -> Plan:
        keys = [canon(m) for m in messages]
        tk = tools_key(tools)
        for b in reversed(self.branches):
            n = len(b.keys)
            if len(keys) > n + 1 and b.tools == tk and keys[:n] == b.keys and keys[n] == b.reply_key:
                delta = self._delta(renderer, messages, tools, n, b)
                if delta is not None:
                    return Plan(b.ids + delta, b.segment, False, len(b.ids), keys, tk, b)
        seg = self.segments
        self.segments += 1
        return Plan(renderer.encode(renderer.render(messages, tools)), seg, True, 0, keys, tk, None)

    @staticmethod
    def _delta(renderer: ChatRenderer, messages: list[dict], tools, n: int, b: Branch) -> list[int] | None:
        swapped = [*messages[:n], {"role": "assistant", "content": SENTINEL}, *messages[n + 1 :]]
        text = renderer.render(swapped, tools)
        if text.count(SENTINEL) != 1:
            return None
        after = text.split(SENTINEL, 1)[1]
        if b.finish_reason == "stop" and b.stop_text and after.startswith(b.stop_text):
            after = after[len(b.stop_text) :]
        return renderer.encode(after)

    def commit(
        self,
        plan: Plan,
        reply_key: str,
        response_ids: list[int],
        finish_reason: str,
        stop_text: str,
        call_id: str = "",
    ) -> None:
        nb = Branch(
            plan.segment,
            plan.keys,
            plan.tools,
            reply_key,
            plan.prompt_ids + response_ids,
            finish_reason,
            stop_text,
            call_id,
        )
        if plan.branch is not None and plan.branch in self.branches:
            self.branches.remove(plan.branch)
        self.branches.append(nb)
        del self.branches[: -self.max_branches]


class SessionStore:
    def __init__(self) -> None:
        self.sessions: dict[str, TrialSession] = {}

    def get(self, trial_id: str) -> TrialSession:
        return self.sessions.setdefault(trial_id, TrialSession())

    def drop(self, trial_id: str) -> None:
        self.sessions.pop(trial_id, None)
