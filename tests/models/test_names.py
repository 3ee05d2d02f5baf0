"""The name lists the config checks at load are exactly verl's registries and the gateway's parsers."""

from __future__ import annotations

import pytest
from verl.trainer.ppo import core_algos

from swerl.config.load import ConfigError, parse_config
from swerl.models import names
from swerl.serve.gateway.tool_parsers import PARSERS


def test_snapshots_match_their_sources():
    assert set(names.ADV_ESTIMATORS) == set(core_algos.ADV_ESTIMATOR_REGISTRY)
    assert set(names.POLICY_LOSSES) == set(core_algos.POLICY_LOSS_REGISTRY)
    assert set(names.TOOL_PARSERS) == set(PARSERS)


@pytest.mark.parametrize(
    ("section", "key", "bad", "hint"),
    [
        ("algorithm", "adv_estimator", "grpoo", "did you mean 'grpo'"),
        ("algorithm", "policy_loss_mode", "gpso", "did you mean 'gspo'"),
        ("vllm", "tool_call_parser", "hermess", "did you mean 'hermes'"),
    ],
)
def test_misspelt_name_is_one_line_at_load(section, key, bad, hint):
    data = {
        "runtime_info": {
            "input": {"model": {"model_path": "smollm2"}, "data": {"train_index": "tasks/easy"}, section: {key: bad}}
        }
    }
    with pytest.raises(ConfigError) as e:
        parse_config(data)
    msg = str(e.value)
    assert "\n" not in msg and f"{section}.{key}" in msg and hint in msg
