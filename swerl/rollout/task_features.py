"""Which Harbor task features swerl's sandboxes run, and a clear refusal line for those they do not.

Read with Harbor's own `TaskConfig` (so a task.toml Harbor rejects is refused with Harbor's message). Run by
swerl: workdir, agent/verifier `user`, healthchecks (Harbor's base environment execs them), multi-step tasks
and artifacts (Harbor's trial drives them over exec/upload/download), skills (Harbor hands them to the
agent), cpus/memory limits, `docker_image`. Refused (no sandbox backend here provides them): accelerators,
Windows images, network allowlists, a separate verifier environment, multi-container (compose) environments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Refusal:
    task: Path
    reason: str

    def line(self) -> str:
        return f"{self.task.name}: {self.reason}"


def _config(task: Path):
    from harbor.models.task.config import TaskConfig

    return TaskConfig.model_validate_toml((task / "task.toml").read_text())


def refusal(task: Path) -> str:
    """ "" when swerl can run the task, else one line naming the file or feature and the fix."""
    if not (task / "task.toml").is_file():
        return "no task.toml — not a Harbor task dir"
    if not (task / "instruction.md").is_file():
        return "no instruction.md — every Harbor task needs one"
    try:
        cfg = _config(task)
    except Exception as exc:  # noqa: BLE001 — Harbor's own validation message is the explanation
        errors = getattr(exc, "errors", None)
        if callable(errors):  # pydantic: name the field
            e = errors()[0]
            return f"task.toml rejected by Harbor: {'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', '')}"[:240]
        first = str(exc).strip().splitlines()
        return f"task.toml rejected by Harbor: {first[0][:200] if first else type(exc).__name__}"
    env = cfg.environment
    if env.gpus or env.gpu_types or env.tpu:
        return "needs accelerators (environment.gpus/gpu_types/tpu) — swerl's sandboxes have none"
    if str(getattr(env.os, "value", env.os)).lower() == "windows":
        return "environment.os = windows — swerl's sandboxes are Linux containers"
    if env.allowed_hosts or str(getattr(env.network_mode, "value", env.network_mode)).lower() == "allowlist":
        return "network allowlist (environment.allowed_hosts) — not enforced by swerl's sandboxes"
    envdir = task / "environment"
    compose = [
        p.name
        for p in (envdir / "docker-compose.yaml", envdir / "docker-compose.yml", envdir / "compose.yaml")
        if p.is_file()
    ]
    if compose:
        return f"multi-container environment ({compose[0]}) — swerl's sandboxes run one container per trial"
    verifier_mode = str(getattr(cfg.verifier.environment_mode, "value", cfg.verifier.environment_mode) or "")
    if cfg.verifier.environment is not None or verifier_mode.lower() == "separate":
        return "separate verifier environment (verifier.environment) — swerl verifies in the agent's sandbox"
    return ""


def candidates(root: Path) -> list[Path]:
    """Every dir under `root` (itself, one or two levels down) that looks like a task: has task.toml or
    instruction.md — so a half-made task is listed as refused instead of vanishing."""
    root = Path(root)

    def looks(p: Path) -> bool:
        return (p / "task.toml").is_file() or (p / "instruction.md").is_file()

    if looks(root):
        return [root]
    found = sorted(p for p in root.iterdir() if p.is_dir() and looks(p))
    if not found:
        found = sorted(q for p in root.iterdir() if p.is_dir() for q in p.iterdir() if q.is_dir() and looks(q))
    return found


def split(root: Path) -> tuple[list[Path], list[Refusal]]:
    """(runnable task dirs, refused ones with their reasons); together they are every candidate under root."""
    ok, refused = [], []
    for t in candidates(root):
        why = refusal(t)
        (refused.append(Refusal(t, why)) if why else ok.append(t))
    return ok, refused
