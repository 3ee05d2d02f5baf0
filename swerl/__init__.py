"""swerl — online RL for LLM coding agents (verl over Harbor trials, token-exact gateway, LiteLLM proxy)."""

__version__ = "0.1.0"
