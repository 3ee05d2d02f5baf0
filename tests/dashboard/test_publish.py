"""`swerl dashboard deploy`: the static export, credential handling, and that no secret is ever printed.

Cloudflare cannot be reached here, so the deploy step runs against a stand-in `npx` on PATH (a test double
for the hosted API only): it records its arguments and, like a chatty tool, echoes the token back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.dashboard.make_fixture import EXP, OLD_EXP
from typer.testing import CliRunner

from swerl.cli import app
from swerl.dashboard import publish

TOKEN = "cf-secret-token-7f3a9c"
ACCOUNT = "acct-0123456789abcdef"


def deploy(root: Path, out: Path, *args: str, env: dict | None = None, input: str | None = None):
    return CliRunner().invoke(
        app, ["dashboard", "deploy", "--root", str(root), "--out", str(out), *args], env=env, input=input
    )


@pytest.fixture
def no_creds(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    monkeypatch.setattr(publish, "CRED_FILE", tmp_path / "no-such.env")


@pytest.fixture
def fake_npx(tmp_path: Path, monkeypatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "npx.args"
    npx = bin_dir / "npx"
    npx.write_text(
        f'#!/bin/sh\necho "$@" > {log}\necho "deploying with token $CLOUDFLARE_API_TOKEN for $CLOUDFLARE_ACCOUNT_ID"\necho "✨ Deployment complete! https://abc.swerl-dashboard.pages.dev"\n'
    )
    npx.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return log


def test_export_is_the_front_end_in_static_mode_plus_json(run_root: Path, tmp_path: Path, no_creds):
    out = tmp_path / "site"
    r = deploy(run_root, out)
    assert r.exit_code == 0, r.output
    assert "exported 2 run(s), 3 step(s), 12 trajectories" in r.output
    assert "CLOUDFLARE_API_TOKEN=<" in r.output and "CLOUDFLARE_ACCOUNT_ID=<" in r.output
    assert f"The export stays at {out}" in r.output
    html = (out / "index.html").read_text()
    assert '<meta name="swerl-mode" content="static">' in html and (out / "app.js").is_file()
    runs = json.loads((out / "data" / "runs.json").read_text())["runs"]
    assert {r["name"] for r in runs} == {EXP, OLD_EXP}
    m = json.loads((out / "data" / "runs" / EXP / "metrics.json").read_text())
    assert len(m["steps"]) == 12 and "critic/score/mean" in m["series"] and "timing_s/gen" in m["series"]
    assert "actor/grad_norm" in m["keys"] and "actor/grad_norm" not in m["series"]  # only what the charts draw
    trials = json.loads((out / "data" / "runs" / EXP / "steps" / "2" / "trials.json").read_text())["trials"]
    traj = json.loads((out / "data" / "runs" / EXP / "traj" / "2" / f"{trials[0]['trial']}.json").read_text())
    assert traj["turns"][0]["response"]["tool_calls"][0]["name"] == "bash"
    assert len(json.loads((out / "data" / "runs" / EXP / "trials.json").read_text())["trials"]) == 12


def test_export_selected_run_refuses_unknown_run_and_foreign_dir(run_root: Path, tmp_path: Path, no_creds):
    out = tmp_path / "site"
    r = deploy(run_root, out, "--run", OLD_EXP, "--no-trajectories", "--export-only")
    assert r.exit_code == 0 and "exported 1 run(s), 0 step(s), 0 trajectories" in r.output
    assert "CLOUDFLARE" not in r.output
    r = deploy(run_root, out, "--run", "nope")
    assert r.exit_code == 1 and "no run named 'nope'" in r.output
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    r = deploy(run_root, foreign)
    assert r.exit_code == 1 and "not a dashboard export" in r.output and (foreign / "notes.txt").exists()


def test_credentials_from_file_env_wins_and_file_format(tmp_path: Path):
    f = tmp_path / "cf.env"
    f.write_text(f"# cloudflare\nexport CLOUDFLARE_API_TOKEN='{TOKEN}'\nCLOUDFLARE_ACCOUNT_ID={ACCOUNT}\n")
    values, source = publish.credentials({}, f)
    assert values == {"CLOUDFLARE_API_TOKEN": TOKEN, "CLOUDFLARE_ACCOUNT_ID": ACCOUNT}
    assert source["CLOUDFLARE_API_TOKEN"] == str(f)
    values, source = publish.credentials({"CLOUDFLARE_API_TOKEN": "from-env"}, f)
    assert values["CLOUDFLARE_API_TOKEN"] == "from-env" and source["CLOUDFLARE_API_TOKEN"] == "env"


def test_asks_before_deploying_and_never_prints_a_secret(run_root: Path, tmp_path: Path, fake_npx: Path, monkeypatch):
    cred = tmp_path / "cf.env"
    cred.write_text(f"CLOUDFLARE_API_TOKEN={TOKEN}\nCLOUDFLARE_ACCOUNT_ID={ACCOUNT}\n")
    monkeypatch.setattr(publish, "CRED_FILE", cred)
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    out = tmp_path / "site"
    declined = deploy(run_root, out, input="n\n")
    assert declined.exit_code == 1 and "Deploy" in declined.output and "not deployed" in declined.output
    assert not fake_npx.exists()
    r = deploy(run_root, out, "--yes", "--project-name", "my-rl")
    assert r.exit_code == 0, r.output
    assert fake_npx.read_text().split() == [
        "--yes",
        "wrangler",
        "pages",
        "deploy",
        str(out),
        "--project-name",
        "my-rl",
        "--commit-dirty=true",
    ]
    assert "Deployment complete" in r.output and "deploying with token *** for ***" in r.output
    for text in (declined.output, r.output):
        assert TOKEN not in text and ACCOUNT not in text
    assert f"CLOUDFLARE_API_TOKEN set (from {cred})" in r.output
