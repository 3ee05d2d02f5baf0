"""The proxy's ASGI app: LiteLLM's own proxy app behind the trial-prefix + key middleware
(`uvicorn swerl.serve.proxy.asgi:app`; the key is read from the env var named by $SWERL_PROXY_KEY_ENV)."""

import os

from litellm.proxy.proxy_server import app as _litellm_app

from swerl.serve.proxy.middleware import TrialPrefixMiddleware

app = TrialPrefixMiddleware(_litellm_app, os.environ.get(os.environ.get("SWERL_PROXY_KEY_ENV", "SWERL_PROXY_KEY")))
