"""The OpenHands SDK agent (Harbor's `OpenHandsSDK`) without network at trial start.

Harbor's `install` curls uv and pip-installs the SDK into /opt/openhands-sdk-venv inside the sandbox. Here that
venv (and the Python 3.12 it runs on) is built once on the host (`swerl.rollout.ohsdk_assets.ensure_ohsdk`) and
mounted read-only at the same path, so `install` only checks that it imports and uploads Harbor's own runner
script. The command line, the SDK's tools (terminal, file editor, task tracker), the LLM settings and the
trajectory → ATIF conversion are Harbor's. The SDK talks OpenAI chat completions (`openai/<served model>`) to
the trial's LiteLLM proxy URL, so its calls go through the gateway and are recorded token-exact like every agent.
Needs a Docker/Kubernetes sandbox on the host's Debian release (bookworm); not the local-process sandbox.
"""

from __future__ import annotations

from pathlib import Path

from harbor.agents.installed import openhands_sdk as harbor_ohsdk
from harbor.agents.installed.openhands_sdk import OpenHandsSDK
from harbor.environments.base import BaseEnvironment

from swerl.rollout.ohsdk_assets import HARBOR_VENV

RUNNER = "/installed-agent/run_agent.py"


class OfflineOpenHandsSDK(OpenHandsSDK):
    async def install(self, environment: BaseEnvironment) -> None:
        probe = f"{HARBOR_VENV}/bin/python -c 'import openhands.sdk, openhands.tools.terminal' && command -v stdbuf"
        r = await environment.exec(probe)
        if r.return_code != 0:
            raise RuntimeError(
                f"the OpenHands SDK is not usable in the sandbox (expected the read-only mount of "
                f"swerl.rollout.ohsdk_assets.ensure_ohsdk at {HARBOR_VENV}, an image on the host's Debian release, "
                f"and coreutils' stdbuf): {(r.stderr or r.stdout or '').strip()[-300:]}"
            )
        runner = Path(harbor_ohsdk.__file__).parent / "openhands_sdk_runner.py"  # Harbor's runner, unchanged
        local = self.logs_dir / "run_agent.py"
        local.write_text(runner.read_text())
        await environment.upload_file(source_path=local, target_path=RUNNER)
        await environment.exec(command=f"chmod +x {RUNNER}", user="root")
