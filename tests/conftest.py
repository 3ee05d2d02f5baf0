"""Fixtures more than one test package uses (dir-specific ones stay in tests/<pkg>/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def smol_dir():
    """The real SmolLM2-135M-Instruct HF dir (converted from the shipped GGUF once per machine)."""
    from swerl.serve.assets import resolve_model_path

    return resolve_model_path("smollm2")


@pytest.fixture(scope="session")
def tokenizer(smol_dir):
    """Its tokenizer + chat template."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smol_dir)
