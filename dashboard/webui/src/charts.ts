// Metric panels drawn with uPlot (canvas). Each panel picks its series from the run's metric keys.
import uPlot from "uplot";
import type { Metrics } from "./api";

export interface Panel { id: string; title: string; pick: (keys: string[]) => string[] }

const exact = (k: string) => (keys: string[]) => (keys.includes(k) ? [k] : []);
const among = (want: string[]) => (keys: string[]) => want.filter((k) => keys.includes(k));
export const PANELS: Panel[] = [
  { id: "reward", title: "Reward — critic/score/mean", pick: exact("critic/score/mean") },
  { id: "kl", title: "KL — actor/kl_loss", pick: (keys) => keys.filter((k) => k === "actor/kl_loss" || k === "actor/ppo_kl").slice(0, 2) },
  { id: "mfu", title: "MFU — perf/mfu/actor", pick: exact("perf/mfu/actor") },
  { id: "entropy", title: "Entropy — actor/entropy", pick: exact("actor/entropy") },
  { id: "resp", title: "Response length — response_length/mean", pick: exact("response_length/mean") },
  { id: "timing", title: "Timings — timing_s/*", pick: (keys) => keys.filter((k) => k.startsWith("timing_s/")) },
  { id: "rollout", title: "Masked / timeout — rollout/*", pick: (keys) => keys.filter((k) => /^rollout\/.*(mask|timeout|error|fail)/.test(k)) },
  { id: "groups", title: "GRPO groups — zero variance / all solved / none solved", pick: among(["rollout/zero_std_fraction", "rollout/solve_all", "rollout/solve_none"]) },
  { id: "dynsample", title: "Dynamic sampling — filtered groups, generation rounds", pick: among(["rollout/filtered_groups", "rollout/gen_rounds", "rollout/informative_groups"]) },
  { id: "idle", title: "Async — trainer idle (s) — timing_s/trainer_idle", pick: exact("timing_s/trainer_idle") },
  { id: "idle_ratio", title: "Async — idle ratio — async/idle_ratio", pick: exact("async/idle_ratio") },
  { id: "staleness", title: "Async — staleness — async/staleness_mean, staleness_max", pick: among(["async/staleness_mean", "async/staleness_max"]) },
];
/** Keys the panels need (the live server is asked for these only). */
export const WANTED = [
  "critic/score/mean", "actor/kl_loss", "actor/ppo_kl", "perf/mfu/actor", "actor/entropy", "response_length/mean", "timing_s/*", "rollout/*", "async/*",
];

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563"];

/** TensorBoard-style debiased exponential moving average; nulls stay null. */
export function smooth(ys: (number | null)[], w: number): (number | null)[] {
  if (w <= 0) return ys;
  let last = 0, n = 0;
  return ys.map((y) => {
    if (y === null || !Number.isFinite(y)) return null;
    last = last * w + (1 - w) * y;
    n++;
    return last / (1 - Math.pow(w, n));
  });
}

function fmtTime(s: number): string {
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, "0")}` : `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}`;
}

export class ChartGrid {
  charts = new Map<string, uPlot>();
  constructor(private root: HTMLElement) {}

  render(m: Metrics, xaxis: "step" | "time", w: number): void {
    const keys = Object.keys(m.series);
    const useTime = xaxis === "time" && m.time.some((t) => t > 0);
    const xs = useTime ? m.time : m.steps;
    for (const p of PANELS) {
      const picked = p.pick(keys);
      let box = this.root.querySelector<HTMLElement>(`[data-panel="${p.id}"]`);
      if (!box) {
        box = document.createElement("div");
        box.className = "panel";
        box.dataset.panel = p.id;
        box.innerHTML = `<h3>${p.title}</h3><div class="plot"></div>`;
        this.root.appendChild(box);
      }
      const points = picked.length ? m.series[picked[0]].filter((v) => v !== null).length : 0;
      box.dataset.points = String(points);
      box.dataset.series = picked.join(",");
      const plot = box.querySelector<HTMLElement>(".plot")!;
      const sig = `${picked.join(",")}|${useTime}|${w > 0}`;
      const old = this.charts.get(p.id);
      if (!picked.length) {
        old?.destroy();
        this.charts.delete(p.id);
        plot.innerHTML = `<p class="muted">no data in this run</p>`;
        continue;
      }
      const data: uPlot.AlignedData = [xs, ...picked.flatMap((k) => (w > 0 ? [m.series[k], smooth(m.series[k], w)] : [m.series[k]]))];
      if (old && box.dataset.sig === sig) {
        old.setData(data);
        continue;
      }
      old?.destroy();
      plot.innerHTML = "";
      box.dataset.sig = sig;
      const series: uPlot.Series[] = [{ label: useTime ? "time" : "step", value: (_u, v) => (v == null ? "-" : useTime ? fmtTime(v) : String(v)) }];
      picked.forEach((k, i) => {
        const c = COLORS[i % COLORS.length];
        if (w > 0) series.push({ label: `${k} (raw)`, stroke: c + "40", width: 1, spanGaps: true });
        series.push({ label: k, stroke: c, width: 1.5, spanGaps: true, points: { show: xs.length < 60 } });
      });
      const chart = new uPlot(
        {
          width: Math.max(320, plot.clientWidth || 480),
          height: 220,
          scales: { x: { time: false } },
          axes: [{ values: (_u, vals) => vals.map((v) => (useTime ? fmtTime(v) : String(v))) }, {}],
          series,
          legend: { live: true },
        },
        data,
        plot,
      );
      this.charts.set(p.id, chart);
    }
  }

  resize(): void {
    for (const [id, c] of this.charts) {
      const plot = this.root.querySelector<HTMLElement>(`[data-panel="${id}"] .plot`);
      if (plot) c.setSize({ width: Math.max(320, plot.clientWidth), height: 220 });
    }
  }
}
