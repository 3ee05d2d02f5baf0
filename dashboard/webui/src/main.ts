// Dashboard entry: run picker, metric panels with smoothing and step/time axis, auto-refresh while live.
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { api, STATIC, type Health, type Metrics, type RunRow } from "./api";
import { ChartGrid, WANTED } from "./charts";
import { Browser } from "./trajectories";

const POLL_MS = Number(new URLSearchParams(location.search).get("poll")) || 5000; // ?poll=ms
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const runSel = $<HTMLSelectElement>("run");
const xSel = $<HTMLSelectElement>("xaxis");
const smoothIn = $<HTMLInputElement>("smooth");
const grid = new ChartGrid($("charts"));
const browser = new Browser($<HTMLSelectElement>("step"), $<HTMLInputElement>("search"), $("trials"), $("trial"));
let runs: RunRow[] = [];
let metrics: Metrics | null = null;
let timer = 0;

function showError(e: unknown): void {
  $("error").textContent = e ? String(e instanceof Error ? e.message : e) : "";
}

function draw(): void {
  if (!metrics) return;
  const w = Number(smoothIn.value);
  $("smooth-val").textContent = w.toFixed(2);
  grid.render(metrics, xSel.value as "step" | "time", w);
  const row = runs.find((r) => r.name === metrics!.run);
  const state = metrics.state || row?.state || "";
  $("state").textContent = state;
  $("state").className = `badge ${state}`;
}

/** Append what was logged since the last step we have (full reload when the set of series changed). */
function merge(old: Metrics, add: Metrics): Metrics {
  const same = Object.keys(add.series).sort().join() === Object.keys(old.series).sort().join();
  if (!same) return add;
  const series: Metrics["series"] = {};
  for (const k of Object.keys(old.series)) series[k] = old.series[k].concat(add.series[k]);
  return { ...add, steps: old.steps.concat(add.steps), time: old.time.concat(add.time), series };
}

/** Health advisories (thresholds computed by the server: swerl/dashboard/health.py) and the async summary. */
function drawHealth(h: Health | null): void {
  const box = $("health");
  box.innerHTML = "";
  if (!h) return;
  for (const a of h.advisories ?? []) {
    const p = document.createElement("p");
    p.className = "advisory warning";
    p.dataset.id = a.id;
    p.textContent = `⚠ step ${a.step}: ${a.message} [${a.steps_over}/${a.steps_with_metric} steps]`;
    box.appendChild(p);
  }
  if (h.async) {
    const s = h.async.summary;
    const f = (v: number | null, d: number) => (v === null ? "—" : v.toFixed(d));
    const p = document.createElement("p");
    p.className = "async-summary muted";
    p.textContent = `async: trainer idle ${f(s.trainer_idle_s_total, 0)}s over ${h.async.steps.length} steps (mean idle ratio ${s.idle_ratio_mean === null ? "—" : Math.round(100 * s.idle_ratio_mean) + "%"}), staleness mean ${f(s.staleness_mean, 2)} max ${f(s.staleness_max, 0)}, dropped stale ${f(s.dropped_stale_total, 0)}`;
    box.appendChild(p);
  }
}

async function refresh(full: boolean): Promise<void> {
  const run = runSel.value;
  if (!run) return;
  const since = !full && metrics && metrics.run === run && metrics.steps.length ? metrics.steps[metrics.steps.length - 1] : null;
  const m = await api.metrics(run, WANTED, since);
  if (run !== runSel.value) return; // picker changed meanwhile
  if (since !== null && metrics) {
    const merged = merge(metrics, m);
    metrics = merged === m && m.steps.length < metrics.steps.length ? await api.metrics(run, WANTED, null) : merged;
  } else metrics = m;
  draw();
  drawHealth(await api.health(run).catch(() => null));
}

async function loadRuns(): Promise<void> {
  runs = await api.runs();
  const keep = runSel.value || new URLSearchParams(location.search).get("run") || "";
  runSel.innerHTML = "";
  for (const r of runs) runSel.appendChild(new Option(`${r.name} — ${r.state}, ${r.num_steps} steps`, r.name));
  if (!runs.length) {
    $("charts").innerHTML = `<p class="muted">no runs yet: logs/ has no launch_*.log or &lt;exp&gt;.log with step lines</p>`;
    return;
  }
  runSel.value = runs.some((r) => r.name === keep) ? keep : runs[0].name;
}

async function selectRun(): Promise<void> {
  if (!runSel.value) return waitForRuns();
  metrics = null;
  $("charts").innerHTML = "";
  grid.charts.forEach((c) => c.destroy());
  grid.charts.clear();
  await refresh(true);
  await browser.load(runSel.value);
  schedule();
}

/** No runs yet: look again every few seconds (a launch creates its log), then show the first one. */
function waitForRuns(): void {
  clearTimeout(timer);
  $("refresh").textContent = STATIC ? "snapshot" : "waiting for a run";
  if (STATIC) return;
  timer = window.setTimeout(() => void loadRuns().then(selectRun).catch(showError), POLL_MS);
}

function schedule(): void {
  clearTimeout(timer);
  const live = !STATIC && runs.find((r) => r.name === runSel.value)?.state === "running";
  $("refresh").textContent = STATIC ? "snapshot" : live ? `live · refresh every ${POLL_MS / 1000}s` : "finished";
  if (!live) return;
  timer = window.setTimeout(async () => {
    try {
      const before = runSel.value;
      await loadRuns();
      if (runSel.value === before) await refresh(false);
      showError(null);
    } catch (e) { showError(e); }
    schedule();
  }, POLL_MS);
}

runSel.addEventListener("change", () => void selectRun().catch(showError));
xSel.addEventListener("change", draw);
smoothIn.addEventListener("input", draw);
window.addEventListener("resize", () => grid.resize());
(window as unknown as { __dash: object }).__dash = { grid, browser, get metrics() { return metrics; } };

loadRuns().then(selectRun).catch(showError);
