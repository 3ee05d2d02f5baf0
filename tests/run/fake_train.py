"""Stand-in for `swerl train` (tests only): prints the exp line and `step:` lines like the trainer, writes a
trial's trajectory files and a checkpoint dir, sleeps between steps, exits with FAKE_RC.

Env: FAKE_STEPS (3), FAKE_SLEEP (0.2 s per step), FAKE_RC (0), FAKE_SECRET (a string it prints into the log
and the trajectory, so tests can check archives redact it). Ignores --config beyond reading output_root.
"""

import json
import os
import sys
import time
from pathlib import Path

import yaml

from swerl.models.checkpoint import write_manifest

cfg_path = Path(sys.argv[sys.argv.index("--config") + 1])
inp = yaml.safe_load(cfg_path.read_text())["runtime_info"]["input"]
root = (cfg_path.parent / inp.get("experiment", {}).get("output_root", ".")).resolve()
project = inp.get("experiment", {}).get("project_name", "swerl")
exp = os.environ.get("SWERL_EXP_NAME") or "harbor-cc-sync-1n-fake"
secret = os.environ.get("FAKE_SECRET", "")
print(f"[sync_1node_cc] exp={exp}", flush=True)
print(f"fake trainer pid={os.getpid()} key={secret}", flush=True)
trial = root / "trials" / project / exp / "step_1" / "step1-hello-0-abcd"
trial.mkdir(parents=True, exist_ok=True)
(trial / "litellm-trajectory.jsonl").write_text(
    "".join(json.dumps({"call": i, "messages": [{"role": "user", "content": f"hi {secret}"}]}) + "\n" for i in range(5))
)
(trial / "tokens.jsonl").write_text(json.dumps({"prompt_ids": [1, 2], "response_ids": [3]}) + "\n")
for step in range(1, int(os.environ.get("FAKE_STEPS", "3")) + 1):
    time.sleep(float(os.environ.get("FAKE_SLEEP", "0.2")))
    print(f"step:{step} - critic/score/mean:{step / 10:.3f} - actor/entropy:1.5 - response_length/mean:42", flush=True)
    ck = root / "checkpoints" / project / exp / f"global_step_{step}" / "actor"
    ck.mkdir(parents=True, exist_ok=True)
    (ck / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    write_manifest(ck)  # the local trainer's layout: complete = every file the manifest lists
    (ck.parent.parent / "latest_checkpointed_iteration.txt").write_text(str(step))
sys.exit(int(os.environ.get("FAKE_RC", "0")))
