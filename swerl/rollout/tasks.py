"""Task index: Harbor task dirs ↔ verl RLHF parquet rows.

A row (what verl's RLHFDataset reads, plus what the rollout needs):
    prompt          [{"role": "user", "content": <instruction.md>}]
    data_source     "harbor/<set name>"
    reward_model    {"style": "harbor_verifier", "ground_truth": ""}   (the task's tests/test.sh decides)
    extra_info      {"instance_id": <task dir name>, "harbor_task_path": <path relative to the parquet's dir>,
                     "index": i, "split": …}
    agent_name      ""  (empty = harbor_agent.agent_name; a name here overrides it for this task)
`load_index` accepts such a parquet OR a directory of task dirs (or a dir holding task sets).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel


class TaskRow(BaseModel):
    instance_id: str
    task_path: Path
    """Absolute path of the Harbor task dir."""
    instruction: str
    data_source: str
    agent_name: str = ""


def is_task_dir(p: Path) -> bool:
    return (p / "task.toml").is_file() and (p / "instruction.md").is_file()


def discover(root: Path) -> list[Path]:
    """Task dirs at `root` itself, one level below (a set), or two (a dir of sets), sorted."""
    root = Path(root)
    if is_task_dir(root):
        return [root]
    found = sorted(p for p in root.iterdir() if p.is_dir() and is_task_dir(p))
    if not found:
        found = sorted(q for p in root.iterdir() if p.is_dir() for q in p.iterdir() if q.is_dir() and is_task_dir(q))
    return found


def row_of(task: Path, agent_name: str = "") -> TaskRow:
    task = task.resolve()
    return TaskRow(instance_id=task.name, task_path=task, instruction=(task / "instruction.md").read_text().strip(),
                   data_source=f"harbor/{task.parent.name}", agent_name=agent_name)


def write_index(dirs: list[Path], out: Path, split: str = "train", agent_name: str = "") -> int:
    import pandas as pd

    out = Path(out).resolve()
    rows = []
    for d in dirs:
        tasks = discover(Path(d))
        if not tasks:
            raise ValueError(f"{d}: no Harbor task dirs (need task.toml + instruction.md) — pass a task dir or a set")
        for t in tasks:
            r = row_of(t, agent_name)
            rows.append({
                "prompt": [{"role": "user", "content": r.instruction}],
                "data_source": r.data_source,
                "reward_model": {"style": "harbor_verifier", "ground_truth": ""},
                "extra_info": {"instance_id": r.instance_id, "index": len(rows), "split": split,
                               "harbor_task_path": os.path.relpath(r.task_path, out.parent)},
                "agent_name": r.agent_name,
            })
    ids = [r["extra_info"]["instance_id"] for r in rows]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"duplicate task names {dup[:5]}: task dir names must be unique across the sets")
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(out, index=False)
    return len(rows)


def load_index(path: str | Path) -> list[TaskRow]:
    """Rows of a parquet index, or of every task under a directory."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"task index {p} does not exist: run `swerl tasks index <task dirs> -o {p}` "
                                f"or point data.train_index at a task dir")
    if p.is_dir():
        tasks = discover(p)
        if not tasks:
            raise ValueError(f"{p}: no Harbor task dirs found (need task.toml + instruction.md)")
        return [row_of(t) for t in tasks]
    import pandas as pd

    df = pd.read_parquet(p)
    missing = {"prompt", "extra_info"} - set(df.columns)
    if missing:
        raise ValueError(f"{p}: not a swerl task index (missing columns {sorted(missing)}): rebuild it with `swerl tasks index`")
    rows = []
    for rec in df.to_dict("records"):
        info = rec["extra_info"]
        task = (p.parent / info["harbor_task_path"]).resolve()
        if not is_task_dir(task):
            raise FileNotFoundError(f"{p}: row {info.get('instance_id')} points at {task}, which is not a task dir "
                                    f"(moved? rebuild the index)")
        prompt = rec["prompt"]
        rows.append(TaskRow(instance_id=str(info["instance_id"]), task_path=task,
                            instruction=str(prompt[0]["content"]) if len(prompt) else "",
                            data_source=str(rec.get("data_source", "")), agent_name=str(rec.get("agent_name") or "")))
    return rows
