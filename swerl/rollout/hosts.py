"""How many processes run a node's trials (the rule `harbor_runtime.trial_processes` resolves by): one home for
the verl engine's trial hosts (`swerl.train.verl_engine.trial_hosts`) and preflight's plan check."""

from __future__ import annotations

import math
import os

TRIALS_PER_PROCESS = 32
"""`trial_processes: 0` (auto) gives one process per this many concurrent trials (on the H200, 128 trials in one
process lagged its event loop 4–9 s a step, 256 up to 8.4 s; 64 stayed near a second)."""
LAGGY_TRIALS_PER_PROCESS = 64
"""More concurrent trials than this in one process: preflight warns (their deadlines fire on the loop's lag)."""


def host_count(trial_processes: int, num_workers: int, cpus: int | None = None) -> int:
    """The configured count, or (0 = auto) one per TRIALS_PER_PROCESS concurrent trials, at most one per two CPU
    cores (the rest serve: gateway, proxy workers, vLLM's and the trainer's processes); 1 = the trials run in the
    node stack's own process. Hosts pay where one trial process is pegged while cores idle (the H200 host: load
    2–5 of 16 cores, the trials' loop 8 s late); on a box whose CPU is already the bound they only add contention
    (2 cores: 3.5 vs 4.9 trials/s, bench/results/scale_cpu.md)."""
    if trial_processes > 0:
        return trial_processes
    cores = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, min(cores // 2, math.ceil(num_workers / TRIALS_PER_PROCESS)))
