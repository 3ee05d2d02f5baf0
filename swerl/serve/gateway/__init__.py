"""swerl's token-exact policy gateway (OpenAI chat server with continuous tokens per trial)."""

from swerl.serve.gateway.app import TRIAL_HEADER, GatewaySettings, create_app
from swerl.serve.gateway.server import GatewayServer

__all__ = ["TRIAL_HEADER", "GatewayServer", "GatewaySettings", "create_app"]
