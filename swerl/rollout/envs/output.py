"""A command's output in our environments: bounded while it is read, then forwarded to Harbor's callbacks.

One policy for every environment (local process, Docker, Kubernetes): an exec keeps at most `KEEP_BYTES` of each
stream (the first and last halves, with a one-line marker saying how much was dropped in between) and a command
whose streams together pass `MAX_BYTES` is cut off: killed where the environment can (local process), its
stream closed elsewhere (Docker, Kubernetes: the command blocks on its next write until the sandbox is removed
or its timeout).
Without it one policy command such as `yes` buffers the whole stream in the rollout process. (On the GPU machine
at 256 trials/step the node's stack grew from 1.5 GB to 20 GB in the 20 s one straggler ran; the cause there is
not identified — an unbounded exec is one way to get it, and this bound closes that one.)
"""

from __future__ import annotations

from harbor.environments.base import BaseEnvironment, ExecResult

KEEP_BYTES = 4 << 20
"""Bytes kept per stream of one exec (head half + tail half); far above what an agent shows its model."""
MAX_BYTES = 256 << 20
"""Bytes (both streams) after which the command is cut off: nothing legitimate prints this much to an agent."""


def killed_note(limit: int) -> str:
    """The stderr line that says why a command was cut off (the one wording, every environment)."""
    return f"swerl: command cut off — its output passed {limit >> 20} MiB (the sandbox output limit)\n"


class CappedStream:
    """One stream's bytes as they arrive: the first and last `keep // 2` bytes are kept, the rest counted.
    `keep` defaults to `KEEP_BYTES` as it is when the exec starts."""

    def __init__(self, keep: int | None = None):
        self.keep = KEEP_BYTES if keep is None else keep
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.keep // 2 - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > self.keep - self.keep // 2:
                del self.tail[: len(self.tail) - (self.keep - self.keep // 2)]

    @property
    def dropped(self) -> int:
        return self.total - len(self.head) - len(self.tail)

    def text(self) -> str:
        """What was kept, decoded; a marker line where bytes were dropped."""
        if not self.dropped:
            return (bytes(self.head) + bytes(self.tail)).decode(errors="replace")
        mark = f"\n[swerl: {self.dropped} bytes of output dropped here]\n"
        return self.head.decode(errors="replace") + mark + self.tail.decode(errors="replace")


class CappedOutput:
    """Both streams of one exec; `over` once together they passed the kill limit."""

    def __init__(self, keep: int | None = None, limit: int | None = None):
        self.stdout, self.stderr = CappedStream(keep), CappedStream(keep)
        self.limit = MAX_BYTES if limit is None else limit

    @property
    def over(self) -> bool:
        return self.stdout.total + self.stderr.total > self.limit

    def result(self, return_code: int) -> ExecResult:
        err = self.stderr.text() + (killed_note(self.limit) if self.over else "")
        return ExecResult(stdout=self.stdout.text(), stderr=err, return_code=return_code)


async def emit_output(env: BaseEnvironment, result: ExecResult) -> ExecResult:
    """Send stdout/stderr to the callbacks Harbor scoped around this phase (none → no-op); returns `result`."""
    if callback := env._output_callback():
        if result.stdout:
            await callback(result.stdout, "stdout")
        if result.stderr:
            await callback(result.stderr, "stderr")
    return result
