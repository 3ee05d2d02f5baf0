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


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the process once pytest is done when Ray ran in it: Ray's/grpc's threads can segfault during
    interpreter teardown (seen once after a fully passing run: "Segmentation fault" after the summary, rc 139).
    Every test, report and summary is finished by now; the exit status stays pytest's own."""
    import os
    import sys

    if "ray" in sys.modules and _EXIT_STATUS:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
