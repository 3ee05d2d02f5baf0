"""Checkpoints in verl's layout, written atomically, resumed automatically.

checkpoints/<project>/<exp>/
├── latest_checkpointed_iteration.txt        the last *complete* step (verl's marker file)
└── global_step_N/actor/
    ├── optim_world_size_1_rank_0.pt         optimizer (+ critic value head and its optimizer)
    ├── extra_state_world_size_1_rank_0.pt   RNG states (torch, numpy, python)
    ├── trainer_state.json                   step, epoch, position in the epoch's data order, seed
    └── huggingface/                         save_pretrained (full weights, or the LoRA adapter) + tokenizer

The weights live once, in `huggingface/` (a 135M model twice per checkpoint is 0.5 GB of waste).
A checkpoint dir is built as `global_step_N.tmp-<pid>`, every file and dir fsynced, `actor/manifest.json`
(each file's size) written last, then renamed into place; the marker file is replaced after that — so a
`kill -9` or a power cut at any moment leaves the previous checkpoint as the latest. A checkpoint is valid
only when its manifest is there and every file it lists has its recorded size.
Nothing is deleted except by `keep_last_n_checkpoints` > 0.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch

from swerl.models.checkpoint import MARKER, complete_steps, latest_step, write_manifest
from swerl.run.fsio import atomic_write, fsync_dir


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


class CheckpointManager:
    def __init__(self, root: Path, keep_last_n: int = 0):
        self.root = Path(root)
        self.keep_last_n = keep_last_n

    def step_dir(self, step: int) -> Path:
        return self.root / f"global_step_{step}"

    def latest(self) -> int | None:
        """The step in the marker file, if its dir is complete; else the newest complete dir; else None."""
        return latest_step(self.root)

    def steps(self) -> list[int]:
        return complete_steps(self.root)

    def save(self, step: int, model, tokenizer, trainer, state: dict) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"global_step_{step}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        actor = tmp / "actor"
        hf = actor / "huggingface"
        hf.mkdir(parents=True)
        model.save_pretrained(hf, safe_serialization=True)
        if tokenizer is not None:
            tokenizer.save_pretrained(hf)
        torch.save(trainer.state_dict() if trainer is not None else {}, actor / "optim_world_size_1_rank_0.pt")
        torch.save(
            {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()},
            actor / "extra_state_world_size_1_rank_0.pt",
        )
        (actor / "trainer_state.json").write_text(json.dumps({**state, "global_step": step}, indent=2))
        write_manifest(actor)
        _fsync_tree(tmp)
        final = self.step_dir(step)
        if final.exists():  # re-saving a step after a resume: swap, never leave a half dir
            old = self.root / f"global_step_{step}.old-{os.getpid()}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(final)
        fsync_dir(self.root)  # the rename is durable before the marker names the step
        atomic_write(self.root / MARKER, f"{step}\n")
        self._prune()
        return final

    def _prune(self) -> None:
        for p in self.root.glob("global_step_*.tmp-*"):  # leftovers of killed writers
            if not p.name.endswith(f"-{os.getpid()}"):
                shutil.rmtree(p, ignore_errors=True)
        if self.keep_last_n <= 0:
            return
        for step in self.steps()[: -self.keep_last_n]:
            shutil.rmtree(self.step_dir(step), ignore_errors=True)

    def load(self, step: int, model, trainer) -> dict:
        """Restore weights, optimizer and RNG from `global_step_<step>`; → trainer_state dict."""
        from safetensors.torch import load_file

        actor = self.step_dir(step) / "actor"
        hf = actor / "huggingface"
        if hasattr(model, "peft_config"):
            from peft import set_peft_model_state_dict

            set_peft_model_state_dict(model, load_file(hf / "adapter_model.safetensors"))
        else:
            sd: dict = {}
            for f in sorted(hf.glob("*.safetensors")):
                sd |= load_file(f)
            missing, unexpected = model.load_state_dict(sd, strict=False)
            tied = {"lm_head.weight"} if getattr(model.config, "tie_word_embeddings", False) else set()
            if unexpected or set(missing) - tied:
                raise RuntimeError(
                    f"checkpoint {hf} does not match the model (missing {missing[:3]}, "
                    f"unexpected {unexpected[:3]}) — set training.resume_mode: disable or a new exp_name"
                )
        if trainer is not None:
            trainer.load_state_dict(torch.load(actor / "optim_world_size_1_rank_0.pt", weights_only=False))
        rng = torch.load(actor / "extra_state_world_size_1_rank_0.pt", weights_only=False)
        torch.set_rng_state(rng["torch"])
        np.random.set_state(rng["numpy"])
        random.setstate(rng["python"])
        return json.loads((actor / "trainer_state.json").read_text())
