"""`swerl eval --checkpoint`: every form a training checkpoint is named by resolves to its HF weights, which load
back exactly (full weights, and a LoRA adapter merged onto the base model); bad paths are one line with the fix.
The model is tests/train/tiny.py's seeded random Llama (a checkpoint's format does not depend on its size)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parents[1] / "train"))
from tiny import make_model, make_tokenizer  # noqa: E402

from swerl.eval.checkpoint import EvalInputError, load_model, weights_dir  # noqa: E402
from swerl.train.checkpoint import CheckpointManager  # noqa: E402


def _same(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_checkpoint_forms_resolve_and_load_exactly(tmp_path):
    tok, model = make_tokenizer(), make_model(seed=3)
    base = tmp_path / "base"
    make_model(seed=0).save_pretrained(base)
    tok.save_pretrained(base)
    root = tmp_path / "checkpoints" / "swerl" / "exp"
    ckpt = CheckpointManager(root)
    ckpt.save(1, make_model(seed=1), tok, None, {"epoch": 0, "pos": 0})
    ckpt.save(2, model, tok, None, {"epoch": 0, "pos": 0})
    hf = root / "global_step_2" / "actor" / "huggingface"
    for form in (root, root / "global_step_2", root / "global_step_2" / "actor", hf):
        assert weights_dir(form) == hf, form
    assert weights_dir(root / "global_step_1") == root / "global_step_1" / "actor" / "huggingface"
    loaded, _ = load_model(hf, base)
    assert _same(loaded, model) and not _same(loaded, make_model(seed=0))


def test_lora_adapter_is_merged_onto_the_base(tmp_path):
    from peft import LoraConfig, get_peft_model

    tok, base_model = make_tokenizer(), make_model(seed=0)
    base = tmp_path / "base"
    base_model.save_pretrained(base)
    tok.save_pretrained(base)
    peft = get_peft_model(
        make_model(seed=0), LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    )
    adapter = tmp_path / "adapter"
    peft.save_pretrained(adapter)
    loaded, _ = load_model(weights_dir(adapter), base)
    assert _same(loaded, peft.merge_and_unload())
    assert not _same(loaded, base_model)  # the adapter changed the weights


def test_bad_checkpoints_are_one_line_with_the_fix(tmp_path):
    with pytest.raises(EvalInputError, match="does not exist"):
        weights_dir(tmp_path / "nope")
    with pytest.raises(EvalInputError, match="not a checkpoint"):
        weights_dir(tmp_path)
    actor = tmp_path / "global_step_5" / "actor"
    actor.mkdir(parents=True)
    (actor / "model_world_size_1_rank_0.pt").write_bytes(b"x")
    with pytest.raises(EvalInputError, match="verl FSDP checkpoint.*model_merger"):
        weights_dir(tmp_path / "global_step_5")
