"""What blocks the trials' event loop: a thread that, when the loop is late past a threshold, takes the loop
thread's stack at that moment.

The scheduler measures how late its 0.25 s timer fires (`rollout/loop_lag_ms_*`); on the H200 at 128 concurrent
trials that lag reached 4–9 s per step, and every deadline inside the trials (agent, verifier) counts that time.
A number alone does not say which code held the loop. `StallSampler` does: the loop `beat()`s on every timer
tick; a daemon thread checks every `period` seconds, and once the loop is `threshold` seconds late it records
the innermost frames of the loop thread (one sample per stall) under a one-line signature. `take()` hands the
counts to the step record (`.swerl/rollout/step_<N>.*.json`, key `stalls`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path

STALL_S = 1.0
"""Seconds past its expected beat after which the loop counts as stalled and its stack is sampled."""
DEPTH = 6
"""Frames kept per sample (innermost first)."""


def signature(frame, depth: int = DEPTH) -> str:
    """The innermost `depth` frames of a stack as `file:line func < caller …` (file names only)."""
    parts = []
    while frame is not None and len(parts) < depth:
        code = frame.f_code
        parts.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return " < ".join(parts)


class StallSampler:
    def __init__(self, thread_id: int | None = None, *, threshold: float | None = None, period: float = 0.1):
        self.thread_id = thread_id if thread_id is not None else threading.get_ident()
        self.threshold = STALL_S if threshold is None else threshold
        self.period = period
        self.counts: Counter[str] = Counter()
        self._due = time.monotonic()
        self._lock = threading.Lock()
        self._armed = False
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self, next_in: float) -> None:
        """Called on the loop: the next beat is due in `next_in` seconds."""
        self._due = time.monotonic() + next_in

    def start(self) -> None:
        """Sample from now on (the thread is started once and idles while stopped)."""
        self._armed = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="swerl-stall-sampler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """No samples until the next `start()` (the loop is idle, not stalled)."""
        self._armed = False

    def close(self) -> None:
        self._armed = False
        self._closed.set()

    def _run(self) -> None:
        in_stall = False
        while not self._closed.wait(self.period):
            late = time.monotonic() - self._due
            if not self._armed or late < self.threshold:
                in_stall = False
                continue
            if in_stall:
                continue
            in_stall = True
            frame = sys._current_frames().get(self.thread_id)
            if frame is not None:
                with self._lock:
                    self.counts[signature(frame)] += 1

    def take(self) -> dict[str, int]:
        """The stall stacks counted since the last take (most frequent first), and reset."""
        with self._lock:
            out, self.counts = dict(self.counts.most_common()), Counter()
        return out
