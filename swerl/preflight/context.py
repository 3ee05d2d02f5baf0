"""What every check gets: the loaded config, its paths, and the checkout it belongs to."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from swerl.config import RunPaths, SwerlConfig, resolve


def checkout_root() -> Path:
    """The swerl checkout this code runs from (…/swerl/preflight/context.py → …)."""
    return Path(__file__).resolve().parents[2]


def nearest_existing(p: Path) -> Path:
    """`p` or its closest existing ancestor (so checks never need to create anything)."""
    p = p.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


@dataclass
class Context:
    cfg: SwerlConfig
    config_path: Path

    @property
    def i(self):
        return self.cfg.input

    @property
    def root(self) -> Path:
        return checkout_root()

    @property
    def paths(self) -> RunPaths:
        return RunPaths.of(self.cfg)

    def path(self, value: str) -> Path:
        return resolve(self.cfg, value)

    def venv(self) -> Path:
        v = self.i.environment.venv_path
        return self.path(v) if v else self.root / ".venv"

    @property
    def gpu_profile(self) -> bool:
        return self.i.infrastructure.ngpus_per_node > 0

    @property
    def uses_ray(self) -> bool:
        return self.gpu_profile or self.i.training.engine == "verl"

    @property
    def ports(self) -> dict[str, int]:
        """infrastructure.<key> → port, for every port a run binds on this host."""
        inf = self.i.infrastructure
        return {
            "litellm_port": inf.litellm_port,
            "gateway_port": inf.gateway_port,
            "ray_port": inf.ray_port,
            "ray_dashboard_port": inf.ray_dashboard_port,
        }


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
