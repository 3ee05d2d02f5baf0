"""The front end in headless Chromium (Debian `chromium`, driven by Playwright; never `playwright install`).

Three views: the recorded run tree through the live server, a run being written while the page is open
(auto-refresh), and the static export served by a plain static file server. Screenshots go to
build/test-artifacts/dashboard/.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.dashboard.make_fixture import EXP, OLD_EXP

from swerl.run import procs

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "dashboard"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium: apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    pg.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def panel_points(page) -> dict[str, int]:
    return page.eval_on_selector_all(
        "[data-panel]", "els => Object.fromEntries(els.map(e => [e.dataset.panel, +e.dataset.points]))"
    )


def check_charts_and_browser(page, name: str) -> None:
    page.wait_for_selector('[data-panel="reward"] canvas')
    pts = panel_points(page)
    assert {k: v for k, v in pts.items() if v} == {
        "reward": 12,
        "kl": 12,
        "mfu": 12,
        "entropy": 12,
        "resp": 12,
        "timing": 12,
        "rollout": 12,
    }
    assert {"groups", "dynsample", "idle", "idle_ratio", "staleness"} <= set(pts)  # no such metrics in this run
    assert page.locator("#health .advisory").count() == 0
    assert page.locator("#charts canvas").count() >= 7
    # uPlot holds exactly the logged values: step axis 1..12, the reward series = critic/score/mean
    xs = page.evaluate("() => window.__dash.grid.charts.get('reward').data[0]")
    assert xs == list(range(1, 13))
    page.select_option("#step", "2")
    page.wait_for_selector('#trials caption:has-text("step 2: 4 trials")')
    assert "masked (agent_timeout)" in page.inner_text("#trials")
    page.click('tr[data-trial="step2-hello-world-0-003e"]')
    page.wait_for_selector('#trial[data-trial="step2-hello-world-0-003e"] .tool-call')
    text = page.inner_text("#trial")
    assert "tool call: bash (call_0001)" in text and '"command": "ls -la /app"' in text
    assert "total 8" in text  # the tool's result
    assert page.locator("#trial details.long").count() >= 1  # the long system prompt is collapsed
    page.fill("#search", "off-by-one")
    page.wait_for_selector('#trials caption:has-text("search")')
    assert page.locator("#trials tr[data-trial]").count() == 6
    shot(page, name)
    assert page.errors == []


def test_recorded_run(page, served):
    base, _ = served
    page.goto(f"{base}/?run={EXP}")
    check_charts_and_browser(page, "recorded_run")
    page.select_option("#xaxis", "time")
    page.wait_for_function("() => window.__dash.grid.charts.get('reward').data[0][0] > 100")  # seconds since start
    page.fill("#smooth", "0.6")
    page.dispatch_event("#smooth", "input")
    assert page.evaluate("() => window.__dash.grid.charts.get('reward').series.length") == 3  # x, raw, smoothed


def test_live_run_auto_refreshes(page, served):
    """A run in progress: run.json names it with a live pid (this process) and a writer thread appends
    verl step lines while the page is open; the charts must grow without a reload."""
    base, root = served
    log = root / "logs" / f"{OLD_EXP}.log"
    (root / ".swerl").mkdir(exist_ok=True)
    me = os.getpid()
    (root / ".swerl" / "run.json").write_text(
        json.dumps({"pid": me, "pid_start": procs.start_ticks(me), "exp": OLD_EXP})
    )
    stop = threading.Event()

    def write() -> None:
        step = 6
        while not stop.is_set() and step <= 40:
            with log.open("a") as f:
                f.write(
                    f"(TaskRunner pid=1) step:{step} - critic/score/mean:np.float64({step / 40}) - actor/kl_loss:0.001 - timing_s/step:12.5\n"
                )
            step += 1
            time.sleep(0.2)

    th = threading.Thread(target=write, daemon=True)
    th.start()
    try:
        page.goto(f"{base}/?run={OLD_EXP}&poll=500")
        page.wait_for_selector('[data-panel="reward"] canvas')
        assert page.inner_text("#state") == "running"
        first = panel_points(page)["reward"]
        page.wait_for_function(f"() => +document.querySelector('[data-panel=reward]').dataset.points >= {first + 5}")
        assert "live" in page.inner_text("#refresh")
        th.join(timeout=60)  # the writer runs to step 40
    finally:
        stop.set()
        th.join()
    page.wait_for_function("() => +document.querySelector('[data-panel=reward]').dataset.points === 40")
    steps = page.evaluate("() => window.__dash.metrics.steps")
    assert steps == list(range(1, 41))  # appended in order, nothing lost or doubled
    shot(page, "live_run")
    assert page.errors == []


def test_static_export(page, run_root: Path, tmp_path: Path):
    from swerl.dashboard.publish import export

    out = tmp_path / "site"
    export(run_root, out)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{srv.server_address[1]}/?run={EXP}")
        check_charts_and_browser(page, "static_export")
        assert page.inner_text("#refresh") == "snapshot"
    finally:
        srv.shutdown()
        srv.server_close()


def test_health_advisories_and_async_panels(page, tmp_path: Path):
    """An async run whose latest step crosses two thresholds: the page shows both warnings (computed by the
    server), the async summary, and the group / idle / staleness panels with every step."""
    from tests.dashboard.make_fixture import age

    from swerl.dashboard.server import make_server
    from swerl.models.logline import format_step

    (tmp_path / "logs").mkdir()
    with open(tmp_path / "logs" / "asyncrun.log", "w") as f:
        for step in range(1, 5):
            m = {
                "critic/score/mean": 0.1 * step,
                "timing_s/step": 10.0,
                "timing_s/trainer_idle": 4.0 / step,
                "async/idle_ratio": 0.4 / step,
                "async/staleness_mean": 0.5,
                "async/staleness_max": 1.0,
                "rollout/zero_std_fraction": 0.2 * step,
                "rollout/solve_all": 0.1 * step,
                "rollout/solve_none": 0.1,
                "actor/grad_norm": 0.0 if step == 4 else 0.2,
            }
            f.write(format_step(step, m) + "\n")
    age(tmp_path)
    srv = make_server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{srv.server_address[1]}/?run=asyncrun")
        page.wait_for_selector('#health .advisory[data-id="zero_variance_groups"]')
        ids = page.eval_on_selector_all("#health .advisory", "els => els.map(e => e.dataset.id)")
        assert sorted(ids) == ["grad_norm_zero", "zero_variance_groups"]
        assert "80% of groups have zero reward variance" in page.inner_text("#health")
        assert "async: trainer idle 8s over 4 steps" in page.inner_text("#health .async-summary")
        pts = panel_points(page)
        assert pts["groups"] == 4 and pts["idle"] == 4 and pts["idle_ratio"] == 4 and pts["staleness"] == 4
        series = page.eval_on_selector('[data-panel="staleness"]', "e => e.dataset.series")
        assert series == "async/staleness_mean,async/staleness_max"
        shot(page, "health_async")
    finally:
        srv.shutdown()
        srv.server_close()
    assert page.errors == []


def test_10k_step_run_renders_quickly(page, tmp_path: Path):
    from tests.dashboard.make_fixture import age, write_big_log

    from swerl.dashboard.server import make_server

    (tmp_path / "logs").mkdir()
    write_big_log(tmp_path / "logs" / "big.log", 10_000)
    age(tmp_path)
    srv = make_server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        t0 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{srv.server_address[1]}/?run=big")
        page.wait_for_function("() => +document.querySelector('[data-panel=reward]')?.dataset.points === 10000")
        took = time.perf_counter() - t0
        print(f"10k-step run: page to drawn reward chart in {took:.2f} s")
        shot(page, "big_run")
        assert took < 8.0  # a smoke bound: server load (< 2 s, see test_logparse) + transfer + draw; ~2.5 s here
    finally:
        srv.shutdown()
        srv.server_close()
    assert page.errors == []


def test_empty_logs_dir(page, tmp_path: Path):
    from swerl.dashboard.server import make_server

    (tmp_path / "logs").mkdir()
    srv = make_server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{srv.server_address[1]}/?poll=300")
        page.wait_for_selector("#charts:has-text('no runs yet')")
        assert page.inner_text("#refresh") == "waiting for a run"
        (tmp_path / "logs" / "launch_20261126-090000.log").write_text(
            "[sync_1node_cc] exp=fresh\nstep:1 - critic/score/mean:0.5\n"
        )  # a launch begins
        page.wait_for_selector('[data-panel="reward"][data-points="1"]')
        assert page.inner_text("#state") == "running"
        # checked while the server still runs: the page keeps polling every 300 ms, and a poll that lands
        # after shutdown fails with "Failed to fetch" — that is the test's doing, not the UI's
        assert page.errors == [] and page.inner_text("#error") == ""
    finally:
        srv.shutdown()
        srv.server_close()
