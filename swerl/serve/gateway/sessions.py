"""Continuous tokens per trial: reuse the exact ids already sampled, tokenize only what is new.

A trial keeps a few *branches* (its main conversation plus side calls such as title generation). A request
continues a branch when its messages are that branch's messages + the reply the gateway gave + new messages;
the prompt is then `branch ids (prompt + sampled response) + tokens of the delta`. The delta is the rendered
text after a sentinel put where the reply was, minus the end-of-turn token already sampled. Anything else
(history rewritten, compaction, changed tools) starts a new segment, counted — never silently re-tokenized.

Memory is bounded: a trial's session is dropped when its trial ends (`POST /swerl/trials/{id}/end`), when it
was not used for `ttl_s`, or when more than `max_sessions` trials are held (least recently used first) —
never while one of its requests is in flight. A dropped trial that calls again starts a new segment whose
number continues after its old ones (a small per-trial counter outlives the session), and so does the
trial's sampling (`temperature`/`top_p`, set before the trial starts) unless the trial was ended.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
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
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    """Held while this trial's state is read or changed (plan, commit): the gateway plans in a worker thread,
    so two calls of one trial must not plan or commit at the same time (their generations still overlap)."""
    inflight: int = 0
    last_used: float = 0.0
    ended: bool = False
    temperature: float | None = None
    """This trial's sampling temperature (`POST /swerl/trials/{id}/sampling`, set by the trial runner — e.g. 0 for
    a greedy validation trial); None = the gateway's default (the training temperature)."""
    top_p: float | None = None

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
    """Trial id → session, ordered by last use; bounded by `max_sessions` (LRU) and `ttl_s` since last use."""

    def __init__(
        self,
        max_sessions: int = 4096,
        ttl_s: float = 7200.0,
        clock: Callable[[], float] = time.monotonic,
        on_drop: Callable[[str], object] | None = None,
    ) -> None:
        """`on_drop(trial_id)` runs whenever a session is dropped (ended, evicted): the engine frees its prefix KV."""
        self.on_drop = on_drop
        self.sessions: OrderedDict[str, TrialSession] = OrderedDict()
        self.max_sessions, self.ttl_s, self.clock = max(1, max_sessions), ttl_s, clock
        self._next_segment: OrderedDict[str, int] = OrderedDict()
        """Dropped trials → their next segment number (ints only; keeps 16 × max_sessions)."""
        self._sampling: OrderedDict[str, tuple[float | None, float | None]] = OrderedDict()
        """Trials evicted (not ended) while they had their own sampling → it, restored if they call again."""
        self.dropped = 0

    def get(self, trial_id: str) -> TrialSession:
        now = self.clock()
        s = self.sessions.get(trial_id)
        if s is None:
            s = self.sessions[trial_id] = TrialSession(segments=self._next_segment.pop(trial_id, 0))
            s.temperature, s.top_p = self._sampling.pop(trial_id, (None, None))
        else:
            self.sessions.move_to_end(trial_id)
        s.last_used = now
        self._evict(now, keep=trial_id)
        return s

    def acquire(self, trial_id: str) -> TrialSession:
        """`get`, counted as in flight until `release` (a session in flight is never dropped)."""
        s = self.get(trial_id)
        s.inflight += 1
        return s

    def release(self, trial_id: str, s: TrialSession) -> None:
        s.inflight -= 1
        s.last_used = self.clock()
        if s.ended and not s.inflight:
            self._drop(trial_id, s)

    def set_sampling(self, trial_id: str, temperature: float | None, top_p: float | None) -> TrialSession:
        """Every later call of this trial samples with these (None = the gateway's default)."""
        s = self.get(trial_id)
        s.temperature, s.top_p = temperature, top_p
        return s

    def end(self, trial_id: str) -> bool:
        """The trial is over: drop its session now, or when its last request in flight is done. False when the
        gateway holds no session for it."""
        self._sampling.pop(trial_id, None)
        s = self.sessions.get(trial_id)
        if s is None:
            return False
        s.ended = True
        if not s.inflight:
            self._drop(trial_id, s)
        return True

    def drop(self, trial_id: str) -> None:
        s = self.sessions.get(trial_id)
        if s is not None:
            self._drop(trial_id, s)

    def _drop(self, trial_id: str, s: TrialSession) -> None:
        if self.sessions.get(trial_id) is not s:
            return
        del self.sessions[trial_id]
        self.dropped += 1
        if self.on_drop is not None:
            self.on_drop(trial_id)
        self._next_segment[trial_id] = s.segments
        while len(self._next_segment) > 16 * self.max_sessions:
            self._next_segment.popitem(last=False)
        if not s.ended and (s.temperature is not None or s.top_p is not None):
            self._sampling[trial_id] = (s.temperature, s.top_p)
            while len(self._sampling) > 16 * self.max_sessions:
                self._sampling.popitem(last=False)

    def _evict(self, now: float, keep: str) -> None:
        over = len(self.sessions) - self.max_sessions
        victims = []
        for tid, s in self.sessions.items():  # least recently used first
            if over <= 0 and now - s.last_used <= self.ttl_s:
                break
            if not s.inflight and tid != keep:
                victims.append((tid, s))
                over -= 1
        for tid, s in victims:
            self._drop(tid, s)
