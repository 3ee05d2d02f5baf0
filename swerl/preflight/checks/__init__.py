"""Dryrun check families, in the order they run (SPEC "Preflight — detailed behavior", plus ours).

Each module has `run(ctx, report)`; none writes anything, starts anything, or kills anything.
"""

from __future__ import annotations

from collections.abc import Callable

from swerl.preflight.checks import (
    agent,
    backend,
    cluster,
    dashboard,
    gpu,
    inputs,
    layout,
    model,
    outputs,
    plan,
    ports,
    residue,
    scripts,
    tasks,
    venv,
    wandb,
)

FAMILIES: list[tuple[str, Callable]] = [
    ("Python venv", venv.run),
    ("Launch scripts", scripts.run),
    ("Input paths", inputs.run),
    ("Task indexes", tasks.run),
    ("Backend", backend.run),
    ("Agent", agent.run),
    ("Host ports", ports.run),
    ("Output dirs", outputs.run),
    ("WANDB", wandb.run),
    ("GPU", gpu.run),
    ("Multi-node cluster", cluster.run),
    ("Disk", outputs.run_disk),
    ("Cache/temp residue", residue.run),
    ("KV-head divisibility", model.run),
    ("Trainer layout (engine, EP/SP)", layout.run),
    ("Run plan (context, TP/DP, batch)", plan.run),
    ("Dashboard (non-blocking)", dashboard.run),
]
