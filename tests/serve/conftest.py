"""Shared, expensive fixtures for the serve tests (real SmolLM2 tokenizer/model, real proxy)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def smol_dir():
    from swerl.serve.assets import resolve_model_path

    return resolve_model_path("smollm2")


@pytest.fixture(scope="session")
def tokenizer(smol_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smol_dir)
