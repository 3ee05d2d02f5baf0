"""The verl tests' shared steps: a config.yaml-based verl config, and main_ppo's overrides composed against verl
0.9.1's own hydra config (an unknown key raises there, as it would in `python -m verl.trainer.main_ppo`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from swerl.config.load import parse_config
from swerl.config.schema import SwerlConfig

ROOT = Path(__file__).parents[2]


def verl_config(
    tmp_path: Path,
    *,
    gpus: int,
    nnodes: int = 1,
    gen_tp: int = 1,
    model: str = "/models/m",
    algorithm: dict | None = None,
    **training,
) -> SwerlConfig:
    """config.yaml with engine verl on `nnodes × gpus` GPUs, lengths 4096 + 2048 in an 8192 context, tasks/easy,
    outputs under tmp_path; `training` / `algorithm` update those sections."""
    d = yaml.safe_load(ROOT.joinpath("config.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["model"]["model_path"] = model
    i["infrastructure"].update(ngpus_per_node=gpus, nnodes=nnodes)
    i["vllm"].update(gen_tp=gen_tp, max_model_length=8192)
    i["training"].update({"engine": "verl", "max_prompt_length": 4096, "max_response_length": 2048, **training})
    i["algorithm"].update(algorithm or {})
    i["experiment"]["output_root"] = str(tmp_path)
    i["data"]["train_index"] = str(ROOT / "tasks" / "easy")
    return parse_config(d)


def compose_main_ppo(cfg: SwerlConfig, exp: str = "exp1"):
    """verl's composed DictConfig for `swerl train`'s main_ppo command line of `cfg`."""
    from hydra import compose, initialize_config_dir

    import verl.trainer.main_ppo as mp
    from swerl.train.verl_engine.command import main_ppo_command

    ov = main_ppo_command(cfg, exp, python="python")[3:]
    with initialize_config_dir(config_dir=str(Path(mp.__file__).parent / "config"), version_base=None):
        return compose(config_name="ppo_trainer", overrides=ov)
