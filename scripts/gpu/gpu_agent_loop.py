"""GPU-run glue (scripts/gpu only): swerl's verl AgentLoop plus the two fields verl 0.9.1's v1 trainer needs.

- `extra_fields["min_global_steps"/"max_global_steps"]`: verl's own loops get them from the server manager's
  generate(); ours bypasses it (calls go through LiteLLM + the gateway), so the v1 trainer's metrics crashed on
  None (`int(None)` in trainer_base._compute_metrics). Set to the step the trial ran in (on-policy, staleness 0).
- a trial with no token record (masked before any model call) returns one masked token instead of an empty
  response (verl indexes response[-1] → IndexError).
Owner fix belongs in swerl/train/verl_engine/agent_loop.py; this file goes away then.
"""

from __future__ import annotations

from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopOutput, register

from swerl.train.verl_engine.agent_loop import SwerlHarborAgentLoop

NAME = "swerl_harbor_gpu"


@register(NAME)
class SwerlHarborGpuAgentLoop(SwerlHarborAgentLoop):
    async def run(self, sampling_params: dict[str, Any], **kwargs) -> AgentLoopOutput:
        out = await super().run(sampling_params, **kwargs)
        info = kwargs.get("extra_info") or {}
        step = int(kwargs.get("global_steps", info.get("global_steps", 0)) or 0)
        extra = {**out.extra_fields, "min_global_steps": step, "max_global_steps": step}
        upd: dict[str, Any] = {"extra_fields": extra}
        if not out.response_ids:
            eos = self.tokenizer.eos_token_id or 0
            upd |= {"response_ids": [eos], "response_mask": [0], "response_logprobs": [0.0]}
        return out.model_copy(update=upd)
