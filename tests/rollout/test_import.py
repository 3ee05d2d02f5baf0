"""`swerl tasks import`: SWE-bench-format rows and Harbor-format sets → Harbor task dirs that grade correctly."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from swerl.rollout.importer import GRADE_PY, import_source, to_instance
from swerl.rollout.task_features import _config, refusal

ROOT = Path(__file__).resolve().parents[2]
SWERL = str(ROOT / ".venv" / "bin" / "swerl")
sys.path.insert(0, str(Path(__file__).parent))


def row(**over) -> dict:
    r = {
        "instance_id": "octo__lib-12",
        "repo": "octo/lib",
        "base_commit": "a" * 40,
        "problem_statement": "add() subtracts",
        "patch": "diff --git a/lib.py b/lib.py\n--- a/lib.py\n+++ b/lib.py\n@@ -1 +1 @@\n-a-b\n+a+b\n",
        "test_patch": "diff --git a/tests/test_lib.py b/tests/test_lib.py\nnew file mode 100644\n",
        "FAIL_TO_PASS": '["tests/test_lib.py::test_add"]',
        "PASS_TO_PASS": "[]",
        "image_name": "octo/lib:1",
        "hints_text": "",
    }
    r.update(over)
    return r


def test_row_mapping_and_refusal_reasons():
    inst = to_instance(row())
    assert not isinstance(inst, str)
    assert inst.fail_to_pass == ["tests/test_lib.py::test_add"] and inst.image == "octo/lib:1"
    assert "missing FAIL_TO_PASS" in to_instance(row(FAIL_TO_PASS=None))
    assert "FAIL_TO_PASS is empty" in to_instance(row(FAIL_TO_PASS="[]"))
    assert "not a list of test ids" in to_instance(row(FAIL_TO_PASS="{oops"))
    assert "--image-template" in to_instance(row(image_name=None))
    assert "not a pytest node id" in to_instance(row(FAIL_TO_PASS='["test_add (tests.Case)"]'))
    r2e = {"repo_name": "x/y", "commit_hash": "b" * 40, "docker_image": "r2e/x", "problem_statement": "p"}
    assert "R2E-Gym" in to_instance({**r2e, "patch": "d", "expected_output_json": "{}"})
    t = to_instance(row(image_name=None), "swebench/sweb.eval.x86_64.{swebench_id}:latest")
    assert t.image == "swebench/sweb.eval.x86_64.octo_1776_lib-12:latest"


def test_grader_needs_every_listed_test_passed(tmp_path):
    (tmp_path / "grade.py").write_text(GRADE_PY)
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"fail_to_pass": ["t.py::a", "t.py::b[x - y]"], "pass_to_pass": ["t.py::c"]}))

    def grade(log: str) -> tuple[str, dict]:
        (tmp_path / "log").write_text(log)
        out = subprocess.run(
            [sys.executable, tmp_path / "grade.py", cfg, tmp_path / "log", tmp_path / "g.json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return out, json.loads((tmp_path / "g.json").read_text())["failed"]

    ok = "PASSED t.py::a\nPASSED t.py::b[x - y]\nXFAIL t.py::c - reason\n"
    assert grade(ok) == ("1", {})
    assert grade("PASSED t.py::a\nFAILED t.py::b[x - y] - AssertionError\nPASSED t.py::c\n") == (
        "0",
        {"t.py::b[x - y]": "FAILED"},
    )
    assert grade("PASSED t.py::a\nPASSED t.py::c\n") == ("0", {"t.py::b[x - y]": "MISSING"})


def test_rows_to_tasks_without_docker(tmp_path):
    src = tmp_path / "rows.jsonl"
    rows = [row(), row(instance_id="octo__lib-13", FAIL_TO_PASS=None), row(), row(instance_id="x/y", my_col=1)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rep = import_source(src, tmp_path / "out", harden=False, log=lambda m: None)
    assert [p.name for p in rep.written] == ["octo__lib-12", "x-y"]
    assert [(r.row, r.reason.split(" (")[0]) for r in rep.refused] == [
        (1, "missing FAIL_TO_PASS/fail_to_pass"),
        (2, "duplicate of row 0"),
    ]
    assert rep.unknown_columns == ["my_col"]  # hints_text is a known SWE-bench column: not reported
    task = rep.written[0]
    assert refusal(task) == ""  # Harbor's own TaskConfig accepts it
    env = _config(task).environment
    assert env.docker_image == "octo/lib:1" and env.workdir == "/testbed"
    assert "add() subtracts" in (task / "instruction.md").read_text()
    assert (task / "solution" / "gold.patch").read_text() == row()["patch"]
    assert "git apply" in (task / "tests" / "test.sh").read_text()
    assert json.loads((task / "tests" / "config.json").read_text())["fail_to_pass"] == ["tests/test_lib.py::test_add"]
    # nothing of the fix or the tests sits where the agent's sandbox is built from
    assert not any((task / "environment").iterdir())


def test_bad_input_is_one_line_error(tmp_path):
    bad = tmp_path / "rows.jsonl"
    bad.write_text('{"instance_id": 1}\nnot json\n')
    with pytest.raises(ValueError, match=r"rows.jsonl:2: not JSON"):
        import_source(bad, tmp_path / "o", harden=False)
    r = subprocess.run(
        [SWERL, "tasks", "import", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path)], text=True, capture_output=True
    )
    assert r.returncode == 1 and "does not exist" in r.stdout and "Traceback" not in r.stdout + r.stderr


def _tar_of(task: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(task, arcname=task.name)
    return buf.getvalue()


def test_harbor_sets_dir_tar_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    shipped = ROOT / "tasks" / "easy"
    rep = import_source(shipped, tmp_path / "unused", log=lambda m: None)
    assert rep.kind == "harbor-dir" and len(rep.written) >= 10 and not (tmp_path / "unused").exists()
    one = sorted(p for p in shipped.iterdir() if p.is_dir())[0]
    tar = tmp_path / "set.tar.gz"
    tar.write_bytes(_tar_of(one))
    rep = import_source(tar, tmp_path / "from-tar")
    assert rep.kind == "harbor-tar" and [p.name for p in rep.written] == [one.name]
    pq.write_table(
        pa.table({"path": [one.name, "broken"], "task_binary": [_tar_of(one), b"not a tar"]}), tmp_path / "h.parquet"
    )
    rep = import_source(tmp_path / "h.parquet", tmp_path / "from-pq")
    assert rep.kind == "harbor-parquet" and [p.name for p in rep.written] == [one.name]
    assert refusal(rep.written[0]) == ""
    assert [(r.instance_id, "readable tar" in r.reason) for r in rep.refused] == [("broken", True)]


# --- real images, real trials ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from swe_sample import build_sample, write_jsonl

    work = tmp_path_factory.mktemp("swe-sample")
    rows = build_sample(work)
    missing = {**rows[0], "instance_id": "swerl-mini__not-pulled-1", "image_name": "swerl-fixture/absent:never"}
    return rows, write_jsonl([*rows, missing], work / "rows.jsonl"), work


def _swerl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SWERL, *args], capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    )


@pytest.fixture(scope="module")
def imported(sample, tmp_path_factory):
    """The sample through the real CLI: (task dir, CLI output)."""
    _, src, _ = sample
    out = tmp_path_factory.mktemp("imported")
    r = _swerl("tasks", "import", str(src), "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    return out, r.stdout


@pytest.mark.integration
def test_import_then_validate_gold_1_nop_0(imported, tmp_path):
    out, stdout = imported
    assert "3 rows → 2 task dirs" in stdout and "(2 images hardened)" in stdout
    assert "swerl-mini__not-pulled-1" in stdout and "docker pull swerl-fixture/absent:never" in stdout
    for t in out.iterdir():
        assert _config(t).environment.docker_image.startswith("swerl-import/")
    v = _swerl("tasks", "validate", str(out), "--workers", "4", "--trials-root", str(tmp_path / "trials"))
    assert v.returncode == 0, v.stdout + v.stderr
    assert "all 2 tasks grade correctly" in v.stdout


@pytest.mark.integration
def test_agent_in_imported_task_cannot_reach_fix_or_tests(sample, imported, tmp_path):
    """A real trial whose (scripted) agent looks for the answer: no /tests, no /solution, no future commit —
    and applying the upstream fix from history fails, so the trial scores 0."""
    import asyncio

    from swerl.config.paths import make_trial_id
    from swerl.rollout.agents.registry import AgentEndpoint
    from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
    from swerl.rollout.tasks import load_index
    from tests.rollout.conftest import ScriptedOpenAI

    rows, _, _ = sample
    out, _ = imported
    task = next(r for r in load_index(out) if r.instance_id == "swerl-mini__clamp-swapped-1")
    fix = rows[0]["_fix_commit"]
    probe = (
        "```bash\nls /tests /solution 2>&1; echo commits=$(git rev-list --all | wc -l); "
        f"git show {fix} | git apply && echo CHEATED; "
        "grep -rl 'max(lo, min(hi' / --include='*.patch' 2>/dev/null | head -3; echo probe-done\n```"
    )
    srv = ScriptedOpenAI([probe, "DONE"])
    try:
        ep = AgentEndpoint(host_url=srv.url, api_key="k")
        s = RolloutSettings(trials_root=tmp_path, num_workers=1, max_retries=0, run_label="swerl-test-import")
        job = TrialJob(trial_id=make_trial_id(1, task.instance_id, 0), task=task, group="g", agent_name="swerl-bash")
        (o,) = asyncio.run(run_trials([job], s, ep))
    finally:
        srv.close()
    seen = srv.requests[1]["body"]["messages"][-1]["content"]
    assert "probe-done" in seen, seen
    assert "'/tests': No such file" in seen and "'/solution': No such file" in seen
    assert "commits=1" in seen and "CHEATED" not in seen and ".patch" not in seen
    assert o.reward == 0.0 and not o.masked, o


@pytest.mark.integration
def test_imported_image_hides_history_and_patches(sample, tmp_path):
    from swerl.rollout import images

    rows, _, _ = sample
    r = rows[0]
    fix, base = r["_fix_commit"], r["base_commit"]

    def sh(image: str, cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker", "run", "--rm", "--network", "none", image, "bash", "-c", cmd], capture_output=True, text=True
        )

    assert sh(r["image_name"], f"git cat-file -t {fix}").stdout.strip() == "commit"  # the hack exists in the source
    tag = images.harden_image(r["image_name"], "/testbed", base, "guard-test", log=lambda m: None)
    got = sh(
        tag,
        f"git cat-file -t {fix}; echo; git rev-parse HEAD; git rev-list --all | wc -l; "
        "git fsck --lost-found 2>&1 | grep -c commit; ls /tests /solution 2>&1 | grep -c 'No such'",
    )
    lines = got.stdout.split()
    assert "commit" not in got.stdout.splitlines()[0]
    assert lines[-4:] == [base, "1", "0", "2"], got.stdout + got.stderr
    with pytest.raises(RuntimeError, match="is not in the repo"):
        images.harden_image(r["image_name"], "/testbed", "f" * 40, "guard-bad", log=lambda m: None)


@pytest.mark.integration
@pytest.mark.slow
def test_training_step_on_imported_sample(imported, tmp_path):
    """The imported sample → `swerl tasks index` → one real `swerl train` step of the local engine (SmolLM2, real
    proxy + gateway, swerl-bash in the hardened images' sandboxes, sandbox_egress: proxy_only): every trial is
    graded by the imported tests/test.sh (none masked) and the update runs. ~2.5 min on 2 shared cores (the CPU
    update of 135M params dominates), hence slow."""
    import yaml

    from swerl.rollout.envs import egress
    from swerl.rollout.envs.docker_api import docker_client
    from swerl.serve.proxy.process import free_port

    out, _ = imported
    index = tmp_path / "train.parquet"
    r = _swerl("tasks", "index", str(out), "-o", str(index))
    assert r.returncode == 0 and "wrote 2" in r.stdout, r.stdout + r.stderr
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = cfg["runtime_info"]["input"]
    exp = "swerl-test-import-train"
    i["data"]["train_index"] = str(index)
    i["infrastructure"] |= {"litellm_port": free_port(), "gateway_port": free_port()}
    i["harbor_agent"] |= {"max_turns": 1, "max_retries": 0, "sandbox_egress": "proxy_only"}
    i["training"] |= {"train_batch_size": 1, "n_resp_per_prompt": 2, "total_training_steps": 1, "save_freq": -1}
    i["training"]["max_tokens_per_turn"] = 16
    i["experiment"] |= {"exp_name": exp, "output_root": str(tmp_path)}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "200", "SWERL_TRIALS_ROOT": ""}
    try:
        t = subprocess.run(
            [SWERL, "train", "--config", str(tmp_path / "config.yaml")],
            capture_output=True,
            text=True,
            env={k: v for k, v in env.items() if v},
            cwd=tmp_path,
            timeout=300,
        )
    finally:
        egress.teardown(docker_client(), exp)
    text = t.stdout + t.stderr
    assert t.returncode == 0, text[-3000:]
    step = next(ln for ln in text.splitlines() if ln.startswith("step:1 "))
    m = dict(kv.split(":", 1) for kv in step.split(" - ")[1:])
    assert float(m["rollout/trials"]) == 2 and float(m["rollout/masked"]) == 0, step
    assert float(m["train/num_samples"]) == 2 and float(m["train/num_masked_samples"]) == 0, step
    assert "actor/pg_loss" in m and float(m["training/global_step"]) == 1, step
    trials = sorted((tmp_path / "trials").rglob("outcome.json"))
    assert len(trials) == 2
    for o in trials:
        got = json.loads(o.read_text())
        assert got["task_id"].startswith("swerl-mini__") and got["reward"] in (0.0, 1.0), got
        assert (o.parent / "tokens.jsonl").is_file()
