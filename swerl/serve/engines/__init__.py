"""Engines behind the gateway: LocalEngine (HF model on CPU), VLLMEngine (replicas), ScriptedEngine (test double)."""

from swerl.serve.engines.base import Engine, EngineError, Generation

__all__ = ["Engine", "EngineError", "Generation"]
