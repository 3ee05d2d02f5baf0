"""A tiny training run through the real TrainLoop + LocalTrainer + CheckpointManager (for the kill -9 test).

usage: resume_worker.py OUT_DIR [SLOW_AT_STEP]. Appends `step idx…` to OUT_DIR/order.txt as each step's
rollout starts, sleeps forever in the rollout of SLOW_AT_STEP, writes OUT_DIR/final.txt (param checksum).
"""

import hashlib
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from tiny import SPECIAL, TARGET, Sample, make_model, make_tokenizer, sample  # noqa: E402

from swerl.config.schema import AlgorithmSection, TrainingSection  # noqa: E402
from swerl.train.checkpoint import CheckpointManager  # noqa: E402
from swerl.train.local import LocalTrainer, TrainerSettings  # noqa: E402
from swerl.train.loop import Schedule, StepResult, TrainLoop  # noqa: E402
from swerl.train.metrics import StepLogger  # noqa: E402

out = Path(sys.argv[1])
slow = int(sys.argv[2]) if len(sys.argv) > 2 else -1
out.mkdir(parents=True, exist_ok=True)
model, tok = make_model(seed=0), make_tokenizer()
trainer = LocalTrainer(
    model,
    TrainerSettings(
        AlgorithmSection(learning_rate=1e-2),
        TrainingSection(n_resp_per_prompt=4, max_prompt_length=64, max_response_length=64),
    ),
)
ckpt = CheckpointManager(out / "ckpt", keep_last_n=2)


def rollout(step: int, idx: list[int]) -> StepResult:
    with open(out / "order.txt", "a") as f:
        f.write(f"{step} {' '.join(map(str, idx))}\n")
    if step == slow:
        time.sleep(3600)
    gen = torch.Generator().manual_seed(1000 + step)
    samples = []
    for t in idx:
        prompt = [1, len(SPECIAL) + t]
        ids, lps = sample(model, prompt, 4, 3, gen)
        for k in range(4):
            samples.append(
                Sample(
                    trial_id=f"s{step}-{t}-{k}",
                    group=f"t{t}",
                    reward=float(int(ids[k, 0]) == TARGET),
                    prompt_ids=prompt,
                    response_ids=ids[k].tolist(),
                    response_mask=[1, 1, 1],
                    response_logprobs=lps[k].tolist(),
                    num_turns=1,
                )
            )
    return StepResult(samples)


loop = TrainLoop(
    Schedule(n_tasks=6, batch=2, epochs=3, save_freq=1, seed=7),
    rollout=rollout,
    update=trainer.update,
    save=lambda step, st: ckpt.save(step, trainer.model, tok, trainer, st),
    restore=lambda step: ckpt.load(step, trainer.model, trainer),
    ckpt=ckpt,
    logger=StepLogger(out / "exp.log", out / "exp_vllm.log"),
)
loop.run()
h = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in model.parameters())).hexdigest()
(out / "final.txt").write_text(h)
