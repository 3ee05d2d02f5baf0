"""Forwarding a finished command's output to Harbor's scoped output callbacks (shared by our environments)."""

from __future__ import annotations

from harbor.environments.base import BaseEnvironment, ExecResult


async def emit_output(env: BaseEnvironment, result: ExecResult) -> ExecResult:
    """Send stdout/stderr to the callbacks Harbor scoped around this phase (none → no-op); returns `result`."""
    if callback := env._output_callback():
        if result.stdout:
            await callback(result.stdout, "stdout")
        if result.stderr:
            await callback(result.stderr, "stderr")
    return result
