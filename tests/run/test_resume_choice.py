"""Which exp a relaunch uses: resume the last failed/interrupted run that left a complete checkpoint."""

from __future__ import annotations

import json

import pytest

from swerl.config.load import parse_config
from swerl.config.paths import RunPaths
from swerl.models.checkpoint import write_manifest
from swerl.run import index
from swerl.run.archive import choose_exp


def cfg_of(tmp_path, **training):
    return parse_config(
        {
            "runtime_info": {
                "input": {
                    "model": {"model_path": "smollm2"},
                    "data": {"train_index": "tasks/easy"},
                    "experiment": {"output_root": str(tmp_path)},
                    "training": training,
                }
            }
        }
    )


def row(paths0, exp: str, status: str) -> None:
    r = index.add_running(paths0.index_file, exp=exp, notes=f"exp={exp}")
    if status != "running":
        index.update_row(paths0.index_file, r.id, status=status, completed_at=index.utc_now())


def swerl_ckpt(cfg, exp: str, step: int, torn: bool = False) -> None:
    actor = RunPaths.of(cfg, exp).checkpoints_dir / f"global_step_{step}" / "actor"
    actor.mkdir(parents=True)
    (actor / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    (actor / "optim_world_size_1_rank_0.pt").write_bytes(b"x" * 100)
    write_manifest(actor)
    if torn:
        (actor / "optim_world_size_1_rank_0.pt").write_bytes(b"x" * 10)  # a half-copied file


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("SWERL_EXP_NAME", raising=False)


def test_failed_run_with_checkpoint_is_resumed(tmp_path):
    cfg = cfg_of(tmp_path)
    p0 = RunPaths.of(cfg, "")
    row(p0, "exp-a", "failed")
    swerl_ckpt(cfg, "exp-a", 2)
    exp, said = choose_exp(cfg, p0, new=False)
    assert exp == "exp-a" and "resuming exp exp-a from global_step_2" in said and "--new" in said
    exp, said = choose_exp(cfg, p0, new=True)
    assert exp != "exp-a" and said.startswith("--new")


def test_interrupted_verl_checkpoint_counts(tmp_path):
    cfg = cfg_of(tmp_path)
    p0 = RunPaths.of(cfg, "")
    row(p0, "exp-v", "interrupted")
    actor = RunPaths.of(cfg, "exp-v").checkpoints_dir / "global_step_5" / "actor"
    actor.mkdir(parents=True)
    (actor / "model_world_size_1_rank_0.pt").write_bytes(b"w")  # verl's own layout: no manifest
    (actor.parent.parent / "latest_checkpointed_iteration.txt").write_text("5")
    assert choose_exp(cfg, p0, new=False)[0] == "exp-v"


@pytest.mark.parametrize("case", ["completed", "no-checkpoint", "torn-checkpoint", "resume-disabled", "fixed-name"])
def test_fresh_run_otherwise(tmp_path, case):
    cfg = cfg_of(tmp_path, **({"resume_mode": "disable"} if case == "resume-disabled" else {}))
    if case == "fixed-name":
        cfg.input.experiment.exp_name = "mine"
    p0 = RunPaths.of(cfg, "")
    row(p0, "exp-a", "completed" if case == "completed" else "failed")
    if case in ("completed", "resume-disabled", "fixed-name"):
        swerl_ckpt(cfg, "exp-a", 1)
    if case == "torn-checkpoint":
        swerl_ckpt(cfg, "exp-a", 1, torn=True)
    exp, _ = choose_exp(cfg, p0, new=False)
    assert exp == ("mine" if case == "fixed-name" else exp) and exp != "exp-a"
