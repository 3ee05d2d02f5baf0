"""Task index: Harbor task dirs ↔ verl RLHF parquet rows.

A row (what verl's RLHFDataset reads, plus what the rollout needs):
    prompt          [{"role": "user", "content": <instruction.md>}]
    data_source     "harbor/<set name>"
    reward_model    {"style": "harbor_verifier", "ground_truth": ""}   (the task's tests/test.sh decides)
    extra_info      {"instance_id": <task dir name>, "harbor_task_path": <path relative to the parquet's dir, or
                     absolute>, "harbor_agent": "" (empty = harbor_agent.agent_name; a name here overrides it for
                     this task), "index": i, "split": …}
    agent_name      "swerl_harbor" — verl reads this column as the AGENT LOOP name (swerl.train.verl_engine)
`load_index` accepts such a parquet OR a directory of task dirs (or a dir holding task sets); relative task paths
are resolved against the parquet's dir. Old indexes (Harbor agent in `agent_name`) still load.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from swerl.rollout.task_features import Refusal, candidates, refusal
from swerl.rollout.task_features import split as split_tasks


VERL_AGENT_LOOP = "swerl_harbor"
"""The `agent_name` column: verl's agent-loop registry key (registered by swerl.train.verl_engine.agent_loop)."""


class TaskRow(BaseModel):
    instance_id: str
    task_path: Path
    """Absolute path of the Harbor task dir."""
    instruction: str
    data_source: str
    agent_name: str = ""
    """The Harbor agent for this task ("" = the config's harbor_agent.agent_name)."""


def is_task_dir(p: Path) -> bool:
    return (p / "task.toml").is_file() and (p / "instruction.md").is_file()


def discover(root: Path) -> list[Path]:
    """Task dirs at `root` itself, one level below (a set), or two (a dir of sets), sorted (the candidates of
    task_features.candidates that are complete task dirs)."""
    return [p for p in candidates(Path(root)) if is_task_dir(p)]


def row_of(task: Path, agent_name: str = "") -> TaskRow:
    task = task.resolve()
    return TaskRow(
        instance_id=task.name,
        task_path=task,
        instruction=(task / "instruction.md").read_text().strip(),
        data_source=f"harbor/{task.parent.name}",
        agent_name=agent_name,
    )


def records(rows: list[TaskRow], split: str = "train", rel_to: Path | None = None) -> list[dict]:
    """Parquet rows of `rows`; task paths relative to `rel_to` (the parquet's dir), or absolute when None."""
    return [
        {
            "prompt": [{"role": "user", "content": r.instruction}],
            "data_source": r.data_source,
            "reward_model": {"style": "harbor_verifier", "ground_truth": ""},
            "extra_info": {
                "instance_id": r.instance_id,
                "index": n,
                "split": split,
                "harbor_agent": r.agent_name,
                "harbor_task_path": os.path.relpath(r.task_path, rel_to) if rel_to else str(r.task_path),
            },
            "agent_name": VERL_AGENT_LOOP,
        }
        for n, r in enumerate(rows)
    ]


def write_rows(rows: list[TaskRow], out: Path, split: str = "train", relative: bool = True) -> int:
    import pandas as pd

    ids = [r.instance_id for r in rows]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"duplicate task names {dup[:5]}: task dir names must be unique across the sets")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(records(rows, split, out.parent if relative else None)).to_parquet(out, index=False)
    return len(rows)


def write_index(dirs: list[Path], out: Path, split: str = "train", agent_name: str = "") -> tuple[int, list[Refusal]]:
    """Index every runnable task under `dirs`; → (rows written, refused tasks with their reasons)."""
    rows, refused = [], []
    for d in dirs:
        tasks, bad = checked(Path(d))
        if not tasks and not bad:
            raise ValueError(f"{d}: no Harbor task dirs (need task.toml + instruction.md) — pass a task dir or a set")
        rows += [row_of(t, agent_name) for t in tasks]
        refused += bad
    if not rows:
        raise ValueError(f"every task was refused: {'; '.join(r.line() for r in refused[:5])}")
    return write_rows(rows, out, split), refused


def checked(root: Path) -> tuple[list[Path], list[Refusal]]:
    """Runnable task dirs under root + the refused ones (task_features.refusal); nothing is dropped unlisted."""
    return split_tasks(root)


def load_index_checked(path: str | Path) -> tuple[list[TaskRow], list[Refusal]]:
    """Rows of a parquet index, or of every task under a directory, plus the tasks refused (with reasons)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(
            f"task index {p} does not exist: run `swerl tasks index <task dirs> -o {p}` "
            f"or point data.train_index at a task dir"
        )
    if p.is_dir():
        tasks, refused = checked(p)
        if not tasks:
            why = f": {'; '.join(r.line() for r in refused[:3])}" if refused else ""
            raise ValueError(f"{p}: no runnable Harbor task dirs found (need task.toml + instruction.md){why}")
        return [row_of(t) for t in tasks], refused
    import pandas as pd

    df = pd.read_parquet(p)
    missing = {"prompt", "extra_info"} - set(df.columns)
    if missing:
        raise ValueError(
            f"{p}: not a swerl task index (missing columns {sorted(missing)}): rebuild it with `swerl tasks index`"
        )
    rows, refused = [], []
    for rec in df.to_dict("records"):
        info = rec["extra_info"]
        task = (p.parent / info["harbor_task_path"]).resolve()
        if not is_task_dir(task):
            raise FileNotFoundError(
                f"{p}: row {info.get('instance_id')} points at {task}, which is not a task dir "
                f"(moved? rebuild the index)"
            )
        if why := refusal(task):
            refused.append(Refusal(task, why))
            continue
        prompt = rec["prompt"]
        agent = info.get("harbor_agent")
        if agent is None:  # old index: the Harbor agent was in the agent_name column
            agent = "" if rec.get("agent_name") == VERL_AGENT_LOOP else rec.get("agent_name")
        rows.append(
            TaskRow(
                instance_id=str(info["instance_id"]),
                task_path=task,
                instruction=str(prompt[0]["content"]) if len(prompt) else "",
                data_source=str(rec.get("data_source", "")),
                agent_name=str(agent or ""),
            )
        )
    if not rows:
        raise ValueError(f"{p}: every row was refused: {'; '.join(r.line() for r in refused[:3])}")
    return rows, refused


def load_index(path: str | Path) -> list[TaskRow]:
    """`load_index_checked` for the trainer: refused tasks are not trained on, and each is named on stderr."""
    import sys

    rows, refused = load_index_checked(path)
    if refused:
        print(
            f"[tasks] {len(refused)} of {len(rows) + len(refused)} tasks in {path} refused (not trained on): "
            + "; ".join(r.line() for r in refused[:10])
            + (" …" if len(refused) > 10 else ""),
            file=sys.stderr,
        )
    return rows
