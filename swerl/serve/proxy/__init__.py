"""The real LiteLLM proxy in front of the gateway: generated config, trial-prefix middleware, hooks."""

from swerl.serve.proxy.process import ProxyError, ProxyProcess, free_port, master_key_for

__all__ = ["ProxyError", "ProxyProcess", "free_port", "master_key_for"]
