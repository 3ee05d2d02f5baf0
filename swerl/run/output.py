"""Write `runtime_info.output` (the hand-off contract) back into config.yaml at the end of a run.

Only the `output:` block under `runtime_info` is rewritten; every other line — comments, order, quoting —
stays byte for byte. The result is re-validated before it atomically replaces the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from swerl.config.load import parse_config
from swerl.models.run import TRAINER_STATUS, RunOutput
from swerl.run.fsio import atomic_write, locked

_KEY = re.compile(r"^(\s*)([A-Za-z_][\w-]*)\s*:")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def render(text: str, output: dict) -> str:
    lines = text.splitlines(keepends=True)
    rt = next((i for i, line in enumerate(lines) if re.match(r"^runtime_info\s*:", line)), None)
    if rt is None:
        raise ValueError("no top-level 'runtime_info:' in the config")
    end = next((j for j in range(rt + 1, len(lines)) if _is_content(lines[j]) and _indent(lines[j]) == 0), len(lines))
    child = next((_indent(lines[j]) for j in range(rt + 1, end) if _is_content(lines[j])), 2)
    body = yaml.safe_dump({"output": output}, sort_keys=False, default_flow_style=False, width=1000)
    block = [" " * child + b + "\n" for b in body.splitlines()]
    start = next(
        (
            j
            for j in range(rt + 1, end)
            if _indent(lines[j]) == child and (m := _KEY.match(lines[j])) and m.group(2) == "output"
        ),
        None,
    )
    if start is None:
        while end > rt + 1 and not lines[end - 1].strip():
            end -= 1  # keep trailing blank lines after the block
        if end and not lines[end - 1].endswith("\n"):
            lines[end - 1] += "\n"
        return "".join(lines[:end] + block + lines[end:])
    stop = start + 1
    while stop < end and (not _is_content(lines[stop]) or _indent(lines[stop]) > child):
        stop += 1
    while stop > start + 1 and not _is_content(lines[stop - 1]):
        stop -= 1  # blank/comment lines before the next key belong to that key
    return "".join(lines[:start] + block + lines[stop:])


FINAL_KEYS = (
    "critic/score/mean",
    "val/score/mean",
    "actor/pg_loss",
    "actor/entropy",
    "actor/grad_norm",
    "response_length/mean",
    "rollout/masked",
    "timing_s/step",
    "training/global_step",
)
"""The metrics runtime_info.output.final_metrics keeps (when the last step line has them)."""


def run_output(cfg, exp: str, run_id: str, status: str, final: dict[str, float]) -> RunOutput:
    """The one builder of runtime_info.output (trainer and archive both call it)."""
    from swerl.config.paths import RunPaths
    from swerl.models.checkpoint import latest_step, step_dir

    paths = RunPaths.of(cfg, exp)
    step = latest_step(paths.checkpoints_dir)
    ckpt = step_dir(paths.checkpoints_dir, step) if step is not None else None
    hf = ckpt / "actor" / "huggingface" if ckpt is not None else None
    return RunOutput(
        checkpoint_path=str(ckpt or ""),
        model_path=str(hf) if hf is not None and hf.is_dir() else "",
        training_log=str(paths.exp_log),
        trajectory_log=str(paths.trials_dir),
        run_id=run_id,
        exp=exp,
        status=TRAINER_STATUS.get(status, status),
        final_metrics={k: float(final[k]) for k in FINAL_KEYS if k in final},
    )


def write_output(config: Path, output: RunOutput | dict) -> None:
    if isinstance(output, RunOutput):
        output = output.model_dump(mode="json")
    with locked(config):
        new = render(config.read_text(), output)
        parse_config(yaml.safe_load(new))  # never leave a config behind that would not load
        atomic_write(config, new)
