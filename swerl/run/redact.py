"""Keep secrets out of archives: secret-looking YAML keys and the live secret values from the env."""

from __future__ import annotations

import os
import re

REDACTED = "<redacted>"
_SECRET_KEY = re.compile(
    r"^(\s*-?\s*[\w.-]*(?:api_key|master_key|token|secret|password)[\w.-]*\s*:\s*)(.+?)(\s+#.*)?$", re.I
)
_NOT_SECRET = {'""', "''", "sk-dummy", "null", "~"}
"""Empty values and the documented `sk-dummy` LiteLLM shim are not secrets; keep them readable."""
SECRET_ENV = (
    "WANDB_API_KEY",
    "SWERL_PROXY_KEY",
    "LITELLM_MASTER_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "HF_TOKEN",
)


def secret_values(extra_env: tuple[str, ...] = ()) -> list[str]:
    vals = {os.environ.get(k, "") for k in (*SECRET_ENV, *extra_env)}
    return sorted((v for v in vals if len(v) >= 6 and v != "sk-dummy"), key=len, reverse=True)


def redact_yaml_text(text: str) -> str:
    """Replace values of secret-named keys line by line (comments and layout survive)."""
    out = []
    for line in text.splitlines(keepends=True):
        m = _SECRET_KEY.match(line.rstrip("\n"))
        if m and m.group(2).strip() not in _NOT_SECRET:
            line = f"{m.group(1)}{REDACTED}{m.group(3) or ''}\n"
        out.append(line)
    return "".join(out)


def redact_values(text: str, values: list[str]) -> str:
    for v in values:
        text = text.replace(v, REDACTED)
    return text
