"""Publish: a static snapshot (the same front end in static mode + the API's JSON as files), and a Cloudflare
Pages deploy of it with `npx wrangler pages deploy` when credentials are present.

Credentials come from the environment or `~/.config/rl_dashboard_cloudflare.env` (`KEY=value` lines); their
values are never printed — the deploy's own output is passed through with them masked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from swerl.dashboard.api import Api
from swerl.dashboard.server import dist_dir, to_json

CRED_FILE = Path("~/.config/rl_dashboard_cloudflare.env")
REQUIRED = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID")
STATIC_META = '<meta name="swerl-mode" content="static">'
CHART_KEYS = "critic/score/mean,actor/kl_loss,actor/ppo_kl,perf/mfu/actor,actor/entropy,response_length/mean,timing_s/*,rollout/*,async/*"
"""The series the front end draws (`WANTED` in dashboard/webui/src/charts.ts): a 10 000-step snapshot stays small."""


def _write(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_json(obj))


def export(root: Path, out: Path, runs: list[str] | None = None, trajectories: bool = True) -> dict:
    """Write the snapshot to `out` (replacing an earlier export there); returns counts of what was written."""
    dist = dist_dir()
    if not (dist / "index.html").is_file():
        raise FileNotFoundError(
            f"front end not built: {dist}/index.html missing — run: cd dashboard/webui && npm ci && npm run build"
        )
    if out.exists():
        if not (out / "data" / "runs.json").is_file():
            raise FileExistsError(f"{out} exists and is not a dashboard export — pick an empty or new --out dir")
        shutil.rmtree(out)
    shutil.copytree(dist, out)
    html = (out / "index.html").read_text()
    (out / "index.html").write_text(re.sub(r'<meta name="swerl-mode" content="[^"]*">', STATIC_META, html))
    api = Api(root)
    all_runs = api.index.summaries()
    names = [r["name"] for r in all_runs]
    missing = [r for r in runs or [] if r not in names]
    if missing:
        raise KeyError(f"no run named {missing[0]!r} in {api.index.logs_dir} (runs: {', '.join(names) or 'none'})")
    chosen = [r for r in all_runs if runs is None or r["name"] in runs]
    for r in chosen:
        r["state"] = "finished" if r["state"] != "running" else "running (at export)"
    data = out / "data"
    _write(data / "runs.json", {"runs": chosen})
    _write(data / "config.json", {"ok": True, "static": True, "runs": [r["name"] for r in chosen]})
    counts = {"runs": len(chosen), "steps": 0, "trials": 0}
    for r in chosen:
        name = r["name"]
        base = data / "runs" / name
        _write(base / "metrics.json", api.handle(f"/api/runs/{name}/metrics", {"keys": CHART_KEYS})[1])
        _write(base / "health.json", api.handle(f"/api/runs/{name}/health", {})[1])
        status, steps = api.handle(f"/api/runs/{name}/steps", {})
        _write(base / "steps.json", steps)
        every: list[dict] = []
        for step in steps["steps"]:
            status, rows = api.handle(f"/api/runs/{name}/steps/{step}/trials", {})
            if status != 200:
                continue
            _write(base / "steps" / str(step) / "trials.json", rows)
            every += rows["trials"]
            counts["steps"] += 1
            if trajectories:
                for t in rows["trials"]:
                    st, traj = api.handle("/api/trajectory", {"run": name, "step": str(step), "trial": t["trial"]})
                    if st == 200:
                        _write(base / "traj" / str(step) / f"{t['trial']}.json", traj)
                        counts["trials"] += 1
        _write(base / "trials.json", {"trials": every})
    return counts


def read_cred_file(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = path.expanduser().read_text()
    except OSError:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out


def credentials(
    env: dict[str, str] | None = None, cred_file: Path | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(values, where each came from). The environment wins over the file."""
    env = os.environ if env is None else env
    cred_file = cred_file or CRED_FILE
    from_file = read_cred_file(cred_file)
    values, source = {}, {}
    for key in REQUIRED:
        if env.get(key):
            values[key], source[key] = env[key], "env"
        elif from_file.get(key):
            values[key], source[key] = from_file[key], str(cred_file)
    return values, source


def missing_help() -> str:
    return (
        f"Cloudflare credentials not set — to deploy, put these two lines in {CRED_FILE} (chmod 600) or export them:\n"
        "  CLOUDFLARE_API_TOKEN=<an API token with the 'Cloudflare Pages: Edit' permission>\n"
        "  CLOUDFLARE_ACCOUNT_ID=<your account id (dashboard → Workers & Pages → Account ID)>\n"
        "then run `swerl dashboard deploy --yes` again."
    )


def mask(text: str, secrets: list[str]) -> str:
    for s in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(s, "***")
    return text


def deploy(out: Path, project: str, creds: dict[str, str], echo) -> int:
    """Run `npx --yes wrangler pages deploy OUT --project-name PROJECT`; its output goes to `echo`, masked."""
    npx = shutil.which("npx")
    if not npx:
        echo("npx not found — install Node.js 20+ (it ships npx); the export stays at " + str(out))
        return 1
    cmd = [npx, "--yes", "wrangler", "pages", "deploy", str(out), "--project-name", project, "--commit-dirty=true"]
    env = {**os.environ, **creds}
    echo("$ " + " ".join(cmd[1:]))
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL
    )
    for line in proc.stdout or []:
        echo(mask(line.rstrip("\n"), list(creds.values())))
    return proc.wait()
