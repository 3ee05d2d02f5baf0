"""Task index: Harbor task dirs ↔ verl RLHF parquet rows.

A row (what verl's RLHFDataset reads, plus what the rollout needs):
    prompt          [{"role": "user", "content": <instruction.md>}]
    data_source     "harbor/<set name>"
    reward_model    {"style": "harbor_verifier", "ground_truth": ""}   (the task's tests/test.sh decides)
    extra_info      {"instance_id": <task dir name>, "harbor_task_path": <path relative to the parquet's dir, or
                     absolute>, "harbor_agent": "" (empty = harbor_agent.agent_name; a name here overrides it for
                     this task), "index": i, "split": the row's role ("train"/"val": verl's agent loop reads
                     it), "task_split": the task's side in its set's split.json ("train"/"heldout"/"")}
    agent_name      "swerl_harbor" — verl reads this column as the AGENT LOOP name (swerl.train.verl_engine)
`load_index` accepts such a parquet OR a directory of task dirs (or a dir holding task sets); relative task paths
are resolved against the parquet's dir. Old indexes (Harbor agent in `agent_name`) still load.

Splits (`swerl.models.task_split`): a set with a `split.json` has a fixed train/held-out split. An index path may
end in `:train`, `:heldout` or `:all` (`tasks/easy:heldout`); without one, the trainer's `load_index` and
`write_index` take the train split (a task listed as held out by its set's split.json is never yielded, from a
dir or a parquet alike) and the tools' `load_index_checked` (validate, pull) take every task. Sets without a
split.json count wholly as train.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from swerl.models.task_split import Split, TaskSplit, parse_spec
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
    split: str = ""
    """"train" / "heldout" as its set's split.json says; "" when the set has none."""


def is_task_dir(p: Path) -> bool:
    return (p / "task.toml").is_file() and (p / "instruction.md").is_file()


def discover(root: Path) -> list[Path]:
    """Task dirs at `root` itself, one level below (a set), or two (a dir of sets), sorted (the candidates of
    task_features.candidates that are complete task dirs)."""
    return [p for p in candidates(Path(root)) if is_task_dir(p)]


class Splits:
    """Which split each task is in, read from its set's (its parent dir's) split.json once per set."""

    def __init__(self) -> None:
        self._sets: dict[Path, TaskSplit | None] = {}

    def of(self, task: Path, strict: bool = True) -> str | None:
        """ "train" / "heldout"; None when the task's set has no split.json. A set whose split.json does not list
        the task → ValueError (strict) or "train" (not strict: for refused tasks, which are only listed)."""
        task = Path(task).resolve()
        if task.parent not in self._sets:
            self._sets[task.parent] = TaskSplit.read(task.parent)
        sp = self._sets[task.parent]
        if sp is None:
            return None
        side = sp.split_of(task.name)
        if side is None and strict:
            raise ValueError(
                f"{task.parent}/split.json does not list {task.name}: add it to train or heldout "
                f"(or regenerate the set: python tasks/make_tasks.py)"
            )
        return side or "train"

    def keep(self, task: Path, which: Split, strict: bool = True) -> bool:
        side = self.of(task, strict)
        return which == "all" or (side or "train") == which


def _not_found(p: Path, value: str | Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"task index {value} does not exist: run `swerl tasks index <task dirs> -o {p}` "
        f"or point data.train_index at a task dir"
    )


def select_dir(value: str | Path, default: Split = "train") -> tuple[list[Path], list[Refusal], str]:
    """The runnable task dirs of one split of a dir spec (`tasks/easy`, `tasks/easy:heldout`), the refused ones of
    that split, and a hint naming what the split left out ("" when nothing)."""
    base, which = parse_spec(value)
    which = which or default
    if not base.exists():
        raise _not_found(base, value)
    tasks, refused = checked(base)
    splits = Splits()
    kept = [t for t in tasks if splits.keep(t, which)]
    refused = [r for r in refused if splits.keep(r.task, which, strict=False)]
    hint = ""
    if which == "heldout" and not any(splits.of(t, strict=False) for t in tasks):
        hint = f"{base} has no split.json, so no held-out split (python tasks/make_tasks.py writes the shipped ones)"
    elif len(kept) < len(tasks):
        other = "heldout" if which == "train" else "train"
        hint = f"{len(tasks) - len(kept)} task(s) of the {other} split left out: name {base}:{other} or {base}:all"
    return kept, refused, hint


def row_of(task: Path, agent_name: str = "", splits: Splits | None = None) -> TaskRow:
    task = task.resolve()
    return TaskRow(
        instance_id=task.name,
        task_path=task,
        instruction=(task / "instruction.md").read_text().strip(),
        data_source=f"harbor/{task.parent.name}",
        agent_name=agent_name,
        split=(splits or Splits()).of(task) or "",
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
                "task_split": r.split,
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


def write_index(
    dirs: list[Path], out: Path, split: str = "train", agent_name: str = "", default: Split = "train"
) -> tuple[int, list[Refusal]]:
    """Index every runnable task of `dirs` (each a dir spec: `tasks/easy` = its train split, `tasks/easy:heldout`,
    `tasks/easy:all`); → (rows written, refused tasks with their reasons). `split` is the rows' role label
    (extra_info.split); each row's side in its set's split.json goes in extra_info.task_split."""
    rows, refused = [], []
    splits = Splits()
    for d in dirs:
        tasks, bad, hint = select_dir(d, default)
        if not tasks and not bad:
            raise ValueError(
                f"{d}: no Harbor task dirs (need task.toml + instruction.md){f' ({hint})' if hint else ''} "
                "— pass a task dir or a set"
            )
        rows += [row_of(t, agent_name, splits) for t in tasks]
        refused += bad
    if not rows:
        raise ValueError(f"every task was refused: {'; '.join(r.line() for r in refused[:5])}")
    return write_rows(rows, out, split), refused


def checked(root: Path) -> tuple[list[Path], list[Refusal]]:
    """Runnable task dirs under root + the refused ones (task_features.refusal); nothing is dropped unlisted."""
    return split_tasks(root)


def load_index_checked(path: str | Path, default: Split = "all") -> tuple[list[TaskRow], list[Refusal]]:
    """Rows of a parquet index, or of the tasks under a directory, plus the tasks refused (with reasons); `path`
    may name a split (`…:train`, `…:heldout`, `…:all`), else `default` applies (tools: every task)."""
    p, which = parse_spec(path)
    which = which or default
    if not p.exists():
        raise _not_found(p, path)
    splits = Splits()
    if p.is_dir():
        tasks, refused, hint = select_dir(path, default)
        if not tasks:
            why = f": {'; '.join(r.line() for r in refused[:3])}" if refused else ""
            why += f" ({hint})" if hint else ""
            raise ValueError(f"{path}: no runnable Harbor task dirs found (need task.toml + instruction.md){why}")
        return [row_of(t, splits=splits) for t in tasks], refused
    import pandas as pd

    df = pd.read_parquet(p)
    missing = {"prompt", "extra_info"} - set(df.columns)
    if missing:
        raise ValueError(
            f"{p}: not a swerl task index (missing columns {sorted(missing)}): rebuild it with `swerl tasks index`"
        )
    rows, refused, left_out = [], [], 0
    for rec in df.to_dict("records"):
        info = rec["extra_info"]
        task = (p.parent / info["harbor_task_path"]).resolve()
        if not is_task_dir(task):
            raise FileNotFoundError(
                f"{p}: row {info.get('instance_id')} points at {task}, which is not a task dir "
                f"(moved? rebuild the index)"
            )
        if not splits.keep(task, which):
            left_out += 1
            continue
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
                split=splits.of(task) or "",
            )
        )
    if not rows:
        if left_out:
            raise ValueError(
                f"{path}: none of its {left_out} row(s) is in the {which} split (their sets' split.json) — "
                f"name {p}:heldout or {p}:all"
            )
        raise ValueError(f"{p}: every row was refused: {'; '.join(r.line() for r in refused[:3])}")
    return rows, refused


def load_index(path: str | Path, default: Split = "train") -> list[TaskRow]:
    """`load_index_checked` for the trainer: without a `:split` suffix only the train split is loaded (held-out
    tasks are never trained on); refused tasks are not trained on, and each is named on stderr."""
    import sys

    rows, refused = load_index_checked(path, default)
    if refused:
        print(
            f"[tasks] {len(refused)} of {len(rows) + len(refused)} tasks in {path} refused (not trained on): "
            + "; ".join(r.line() for r in refused[:10])
            + (" …" if len(refused) > 10 else ""),
            file=sys.stderr,
        )
    return rows
