"""`swerl tasks import`: public task data → Harbor task dirs that swerl trains on.

Sources (docs/datasets.md has the per-dataset column table):
- SWE-bench-format rows (JSONL / JSON list / parquet): one row per instance with `instance_id`, `repo`,
  `base_commit`, `problem_statement`, `patch` (gold), `test_patch`, `FAIL_TO_PASS`, `PASS_TO_PASS` and an image
  name (`image_name` / `docker_image`, or `--image-template`). Each row becomes
      instruction.md          the problem statement (+ where the repo is)
      task.toml               [environment] docker_image = the image the sandbox runs, workdir = the repo
      tests/test.sh           resets the files the test patch touches to base_commit, applies tests/test.patch,
                              runs the tests (pytest -rA), grades with tests/grade.py → /logs/verifier/reward.txt
      tests/config.json       FAIL_TO_PASS / PASS_TO_PASS / base_commit (read by grade.py)
      solution/solve.sh       applies solution/gold.patch
  Harbor uploads tests/ only when the verifier runs and solution/ only for the oracle agent, so neither patch is
  in the agent's sandbox while it works.
- Harbor-format sets: a dir of task dirs (used as is), a tar/tar.gz of one, or a parquet with `path` +
  `task_binary` (a tar of each task dir) — unpacked into the output dir.

Nothing is dropped silently: every row is written or refused with a reason; columns swerl neither maps nor knows
are reported, never guessed at.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

# canonical field → the column names public datasets use for it (first present wins)
ALIASES: dict[str, tuple[str, ...]] = {
    "instance_id": ("instance_id",),
    "repo": ("repo", "repo_name"),
    "base_commit": ("base_commit", "commit_hash"),
    "problem_statement": ("problem_statement",),
    "patch": ("patch", "gold_patch"),
    "test_patch": ("test_patch",),
    "fail_to_pass": ("FAIL_TO_PASS", "fail_to_pass"),
    "pass_to_pass": ("PASS_TO_PASS", "pass_to_pass"),
    "image": ("image_name", "docker_image", "image"),
    "test_cmd": ("test_cmd",),
}
REQUIRED = ("instance_id", "problem_statement", "patch", "fail_to_pass")
KNOWN_UNUSED = frozenset(
    {
        # SWE-bench / SWE-Gym / SWE-bench Verified
        "hints_text",
        "created_at",
        "version",
        "environment_setup_commit",
        "difficulty",
        # SWE-smith
        "use_swebench_modal_harness",
        # SWE-rebench
        "install_config",
        "requirements",
        "environment",
        "meta",
        "license_name",
        # R2E-Gym
        "execution_result_content",
        "modified_files",
        "relevant_files",
        "num_non_test_files",
        "num_non_test_func_methods",
        "num_non_test_lines",
        "prompt",
        "parsed_commit_content",
    }
)
"""Columns of the known sources that swerl reads but does not need (not reported as unknown)."""

HARBOR_PARQUET = ("path", "task_binary")
DEFAULT_WORKDIR = "/testbed"  # where SWE-bench, SWE-Gym, SWE-smith, SWE-rebench and R2E-Gym images keep the repo
SWEBENCH_TEST_FILE = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.M)


class SweInstance(BaseModel):
    instance_id: str
    repo: str = ""
    base_commit: str = ""
    problem_statement: str
    patch: str
    test_patch: str = ""
    fail_to_pass: list[str]
    pass_to_pass: list[str] = Field(default_factory=list)
    image: str = ""
    test_cmd: str = ""


class RowRefusal(BaseModel):
    row: int
    instance_id: str
    reason: str

    def line(self) -> str:
        return f"row {self.row} ({self.instance_id or 'no instance_id'}): {self.reason}"


class ImportReport(BaseModel):
    kind: str
    """swe-rows | harbor-dir | harbor-tar | harbor-parquet"""
    written: list[Path] = Field(default_factory=list)
    refused: list[RowRefusal] = Field(default_factory=list)
    unknown_columns: list[str] = Field(default_factory=list)
    hardened: int = 0


# --- reading -------------------------------------------------------------------------------------------------------
def read_rows(source: Path) -> list[dict[str, Any]]:
    """Rows of a .jsonl / .json / .parquet file, as plain dicts."""
    name = source.name.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(source).to_pylist()
    text = source.read_text()
    if name.endswith(".jsonl") or name.endswith(".ndjson"):
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{source}:{n}: not JSON ({exc.msg}) — one JSON object per line") from None
        return out
    if name.endswith(".json"):
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("instances") or data.get("data") or [data]
        return list(data)
    raise ValueError(f"{source}: unknown format — give a .jsonl, .json, .parquet, .tar(.gz) or a dir of Harbor tasks")


def _as_list(v: Any) -> list[str] | None:
    """FAIL_TO_PASS / PASS_TO_PASS: a JSON-encoded string (SWE-bench on HF), a list, or an array (parquet)."""
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return []
        try:
            v = json.loads(s)
        except json.JSONDecodeError:
            return None
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        return list(v)
    return None


def columns_report(rows: list[dict[str, Any]]) -> list[str]:
    """Columns neither mapped (ALIASES) nor known-unused: reported to the user, never guessed at."""
    mapped = {c for cols in ALIASES.values() for c in cols}
    seen: dict[str, None] = {}
    for r in rows:
        for k in r:
            seen.setdefault(k, None)
    return [c for c in seen if c not in mapped and c not in KNOWN_UNUSED]


def slug(instance_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", instance_id).strip("-.")[:120]


def image_for(row: dict[str, Any], template: str) -> str:
    """The row's image: its own column, else `template` with {instance_id}, {repo}, {swebench_id}
    (SWE-bench's image name form: `__` → `_1776_`, lower case)."""
    iid = str(row.get("instance_id") or "")
    if template:
        return template.format(
            instance_id=iid, repo=str(row.get("repo") or ""), swebench_id=iid.replace("__", "_1776_").lower()
        )
    return ""


def to_instance(row: dict[str, Any], image_template: str = "") -> SweInstance | str:
    """A validated instance, or why the row cannot become a task (one line)."""
    got: dict[str, Any] = {}
    for field, cols in ALIASES.items():
        for c in cols:
            if c in row and row[c] is not None:
                got[field] = row[c]
                break
    if image_template:
        got["image"] = image_for(row, image_template)
    missing = [f for f in REQUIRED if got.get(f) in (None, "")]
    if missing:
        cols = ", ".join("/".join(ALIASES[f]) for f in missing)
        hint = ""
        if "fail_to_pass" in missing and "expected_output_json" in row:
            hint = " (R2E-Gym grades by expected_output_json — no FAIL_TO_PASS list; not supported yet)"
        return f"missing {cols}{hint}"
    for f in ("fail_to_pass", "pass_to_pass"):
        if f in got:
            lst = _as_list(got[f])
            if lst is None:
                return f"{ALIASES[f][0]} is not a list of test ids (nor a JSON-encoded one): {str(got[f])[:80]!r}"
            got[f] = lst
    if not got["fail_to_pass"]:
        return "FAIL_TO_PASS is empty — nothing would tell a fix from no fix"
    if not got.get("image"):
        return "no image: the row has no image_name/docker_image column — pass --image-template (see docs/datasets.md)"
    for f in ("instance_id", "repo", "base_commit", "problem_statement", "patch", "test_patch", "image", "test_cmd"):
        if f in got and not isinstance(got[f], str):
            return f"{ALIASES[f][0]} is a {type(got[f]).__name__}, want a string"
    if not slug(got["instance_id"]):
        return "instance_id has no path-safe characters"
    if not str(got["problem_statement"]).strip():
        return "problem_statement is empty"
    if not got.get("base_commit"):
        return "missing base_commit — the grader resets the test files to it"
    if not got.get("test_cmd"):
        non_pytest = [t for t in got["fail_to_pass"] + got.get("pass_to_pass", []) if "::" not in t]
        if non_pytest:
            return (
                f"test id {non_pytest[0]!r} is not a pytest node id (file::name): swerl's grader reads pytest -rA "
                "output; repos graded by other harnesses (django runtests, sympy bin/test) are not supported yet"
            )
    return SweInstance(**got)


# --- writing -------------------------------------------------------------------------------------------------------
GRADE_PY = r'''"""Grade pytest -rA output against FAIL_TO_PASS / PASS_TO_PASS (written by `swerl tasks import`)."""
import json
import sys

cfg = json.load(open(sys.argv[1]))
want = cfg["fail_to_pass"] + cfg["pass_to_pass"]
known = set(want)
status = {}
for line in open(sys.argv[2], errors="replace"):
    parts = line.rstrip("\n").split(" ", 1)
    if len(parts) == 2 and parts[0] in ("PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS"):
        rest = parts[1].strip()
        # "FAILED id - message": an id may itself hold " - " (parametrized), so prefer a listed id
        cuts = [rest] + [rest[:i] for i in range(len(rest)) if rest.startswith(" - ", i)]
        status[next((c for c in cuts if c in known), cuts[1] if len(cuts) > 1 else rest)] = parts[0]
bad = {t: status.get(t, "MISSING") for t in want if status.get(t) not in ("PASSED", "XFAIL")}
json.dump({"tests": len(want), "failed": bad}, open(sys.argv[3], "w"), indent=1)
print(1 if not bad else 0)
'''


def touched_files(patch: str) -> list[str]:
    """Paths a unified git diff touches (both sides, in order, deduplicated)."""
    out: dict[str, None] = {}
    for a, b in SWEBENCH_TEST_FILE.findall(patch):
        out.setdefault(a, None)
        out.setdefault(b, None)
    return list(out)


def test_sh(inst: SweInstance, workdir: str) -> str:
    files = touched_files(inst.test_patch)
    tests = sorted({t.split("::")[0] for t in inst.fail_to_pass + inst.pass_to_pass})
    cmd = inst.test_cmd or '"$PY" -m pytest -rA -p no:cacheprovider ' + " ".join(map(shlex.quote, tests))
    reset = "\n".join(
        f"if git cat-file -e {inst.base_commit}:{shlex.quote(f)} 2>/dev/null; then "
        f"git checkout -q {inst.base_commit} -- {shlex.quote(f)}; else rm -rf -- {shlex.quote(f)}; fi"
        for f in files
    )
    apply = (
        'if ! git apply --whitespace=nowarn "$HERE/test.patch" && ! patch --batch --fuzz=5 -p1 -i "$HERE/test.patch"'
        '; then\n  echo "[swerl] the test patch does not apply"; exit 0\nfi'
        if inst.test_patch
        else ""
    )
    return f"""#!/bin/bash
# Written by `swerl tasks import` ({inst.instance_id}): apply the test patch, run the tests, grade
# FAIL_TO_PASS + PASS_TO_PASS (all must pass) into /logs/verifier/reward.txt. See docs/datasets.md.
HERE="$(cd "$(dirname "$0")" && pwd)"
V=/logs/verifier
mkdir -p "$V" && echo 0 > "$V/reward.txt"
if [ -f /opt/miniconda3/bin/activate ]; then . /opt/miniconda3/bin/activate testbed >/dev/null 2>&1 || true; fi
PY="$(command -v python || command -v python3)"
cd {shlex.quote(workdir)} || {{ echo "[swerl] no repo at {workdir}"; exit 0; }}
git config --global --add safe.directory {shlex.quote(workdir)} >/dev/null 2>&1 || true
# The files the test patch touches go back to base_commit first: an agent's edits to them never count.
{reset}
{apply}
{cmd} > "$V/test_output.txt" 2>&1
"$PY" "$HERE/grade.py" "$HERE/config.json" "$V/test_output.txt" "$V/grading.json" > "$V/reward.txt" \\
  || echo 0 > "$V/reward.txt"
"""


SOLVE_SH = """#!/bin/bash
# Written by `swerl tasks import`: apply the gold patch (the oracle agent's solution).
HERE="$(cd "$(dirname "$0")" && pwd)"
cd {workdir}
git config --global --add safe.directory {workdir} >/dev/null 2>&1 || true
git apply --whitespace=nowarn "$HERE/gold.patch" || patch --batch --fuzz=5 -p1 -i "$HERE/gold.patch"
"""

INSTRUCTION = """The repository {repo} is checked out at {workdir}. Resolve the issue below by changing the source code \
(not the tests).

<issue>
{problem}
</issue>
"""


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def task_toml(inst: SweInstance, image: str, workdir: str, agent_timeout: float, verifier_timeout: float) -> str:
    return f"""schema_version = "1.4"

[metadata]
source = "swerl tasks import"
instance_id = {_toml_str(inst.instance_id)}
repo = {_toml_str(inst.repo)}
base_commit = {_toml_str(inst.base_commit)}
source_image = {_toml_str(inst.image)}
category = "swe"
tags = ["swe", "imported"]

[verifier]
timeout_sec = {verifier_timeout}

[agent]
timeout_sec = {agent_timeout}

[environment]
docker_image = {_toml_str(image)}
workdir = {_toml_str(workdir)}
"""


def write_task(
    inst: SweInstance,
    out: Path,
    *,
    image: str,
    workdir: str = DEFAULT_WORKDIR,
    agent_timeout: float = 1800.0,
    verifier_timeout: float = 1800.0,
) -> Path:
    """Write one task dir (built in a sibling tmp dir, then renamed over any earlier import of it)."""
    final = out / slug(inst.instance_id)
    tmp = out / f".{final.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "tests").mkdir(parents=True)
    (tmp / "solution").mkdir()
    (tmp / "environment").mkdir()
    (tmp / "instruction.md").write_text(
        INSTRUCTION.format(repo=inst.repo or "under test", workdir=workdir, problem=inst.problem_statement.strip())
    )
    (tmp / "task.toml").write_text(task_toml(inst, image, workdir, agent_timeout, verifier_timeout))
    (tmp / "tests" / "test.sh").write_text(test_sh(inst, workdir))
    if inst.test_patch:
        (tmp / "tests" / "test.patch").write_text(inst.test_patch)
    (tmp / "tests" / "grade.py").write_text(GRADE_PY)
    (tmp / "tests" / "config.json").write_text(
        json.dumps(
            {
                "instance_id": inst.instance_id,
                "base_commit": inst.base_commit,
                "fail_to_pass": inst.fail_to_pass,
                "pass_to_pass": inst.pass_to_pass,
            },
            indent=1,
        )
    )
    (tmp / "solution" / "solve.sh").write_text(SOLVE_SH.format(workdir=shlex.quote(workdir)))
    (tmp / "solution" / "gold.patch").write_text(inst.patch)
    for p in (tmp / "tests" / "test.sh", tmp / "solution" / "solve.sh"):
        p.chmod(0o755)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


# --- Harbor-format sets --------------------------------------------------------------------------------------------
def _safe_extract(tar: tarfile.TarFile, dest: Path) -> None:
    tar.extractall(dest, filter="data")  # refuses absolute paths, .., devices and links out of dest


def unpack_harbor_parquet(rows: list[dict[str, Any]], out: Path) -> tuple[list[Path], list[RowRefusal]]:
    from swerl.rollout.tasks import is_task_dir

    written, refused = [], []
    for n, r in enumerate(rows):
        name = slug(str(r.get("path") or ""))
        blob = r.get("task_binary")
        if not name or not isinstance(blob, (bytes, bytearray)):
            refused.append(RowRefusal(row=n, instance_id=name, reason="needs a `path` string and `task_binary` bytes"))
            continue
        dest = out / name
        tmp = out / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            with tarfile.open(fileobj=io.BytesIO(blob), mode="r:*") as tar:
                _safe_extract(tar, tmp)
        except (tarfile.TarError, OSError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            refused.append(RowRefusal(row=n, instance_id=name, reason=f"task_binary is not a readable tar ({exc})"))
            continue
        inner = [p for p in tmp.iterdir() if p.is_dir()]
        root = tmp if is_task_dir(tmp) else (inner[0] if len(inner) == 1 and is_task_dir(inner[0]) else None)
        if root is None:
            shutil.rmtree(tmp, ignore_errors=True)
            refused.append(RowRefusal(row=n, instance_id=name, reason="the tar holds no task.toml + instruction.md"))
            continue
        shutil.rmtree(dest, ignore_errors=True)
        if root is tmp:
            tmp.rename(dest)
        else:
            root.rename(dest)
            shutil.rmtree(tmp, ignore_errors=True)
        written.append(dest)
    return written, refused


# --- the entry point -----------------------------------------------------------------------------------------------
def import_source(
    source: Path,
    out: Path,
    *,
    image_template: str = "",
    workdir: str = DEFAULT_WORKDIR,
    harden: bool = True,
    limit: int = 0,
    log: Callable[[str], None] = print,
) -> ImportReport:
    """Import `source` into task dirs under `out` (see the module doc). With `harden`, each row's image is rebuilt
    locally as `swerl-import/<id>:<hash>` with its git history cut at base_commit (images.harden_image) and the
    task names that image; a row whose image is not present locally is refused (pull it first, or --no-harden)."""
    from swerl.rollout import images
    from swerl.rollout.task_features import refusal
    from swerl.rollout.tasks import discover

    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist — give a .jsonl/.json/.parquet of rows, a tar or a task dir")
    out = Path(out)
    if source.is_dir():
        tasks = discover(source)
        if not tasks:
            raise ValueError(f"{source}: no Harbor task dirs (task.toml + instruction.md) in it or one level down")
        if out.resolve() != source.resolve():
            log(f"{source} is a Harbor task set: used as is (index it with `swerl tasks index {source}`)")
        return ImportReport(kind="harbor-dir", written=tasks)
    out.mkdir(parents=True, exist_ok=True)
    if tarfile.is_tarfile(source):
        with tarfile.open(source, "r:*") as tar:
            _safe_extract(tar, out)
        tasks = discover(out)
        if not tasks:
            raise ValueError(f"{source}: the archive holds no Harbor task dirs (task.toml + instruction.md)")
        return ImportReport(kind="harbor-tar", written=tasks)
    rows = read_rows(source)
    if limit:
        rows = rows[:limit]
    if not rows:
        raise ValueError(f"{source}: no rows")
    cols = set(rows[0])
    if set(HARBOR_PARQUET) <= cols and "instance_id" not in cols:
        written, refused = unpack_harbor_parquet(rows, out)
        return ImportReport(
            kind="harbor-parquet",
            written=written,
            refused=refused,
            unknown_columns=[c for c in columns_report(rows) if c not in HARBOR_PARQUET],
        )
    report = ImportReport(kind="swe-rows", unknown_columns=columns_report(rows))
    seen: dict[str, int] = {}
    for n, row in enumerate(rows):
        iid = str(row.get("instance_id") or "")
        inst = to_instance(row, image_template)
        if isinstance(inst, str):
            report.refused.append(RowRefusal(row=n, instance_id=iid, reason=inst))
            continue
        name = slug(inst.instance_id)
        if name in seen:
            report.refused.append(
                RowRefusal(row=n, instance_id=iid, reason=f"duplicate of row {seen[name]} (task dir {name})")
            )
            continue
        seen[name] = n
        image = inst.image
        if harden:
            if not images.image_exists(inst.image):
                report.refused.append(
                    RowRefusal(
                        row=n,
                        instance_id=iid,
                        reason=f"image {inst.image} is not present locally: `docker pull {inst.image}` (or "
                        f"`swerl sandbox pull`) and re-import, or --no-harden to name it as is (git history not cut)",
                    )
                )
                continue
            try:
                image = images.harden_image(inst.image, workdir, inst.base_commit, name, log=log)
            except RuntimeError as exc:
                report.refused.append(RowRefusal(row=n, instance_id=iid, reason=str(exc)))
                continue
            report.hardened += 1
        task = write_task(inst, out, image=image, workdir=workdir)
        if why := refusal(task):
            shutil.rmtree(task, ignore_errors=True)
            report.refused.append(RowRefusal(row=n, instance_id=iid, reason=f"written task refused: {why}"))
            continue
        report.written.append(task)
    return report
