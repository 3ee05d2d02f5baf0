// Data access. Live mode calls the server's /api; static mode (a published snapshot) reads the JSON files
// `swerl dashboard deploy` exported under data/, with the same shapes.

export const STATIC =
  document.querySelector('meta[name="swerl-mode"]')?.getAttribute("content") === "static";

export interface RunRow {
  name: string;
  state: "running" | "finished";
  files: string[];
  num_steps: number;
  last_step: number | null;
  last_score: number | null;
}

export interface Metrics {
  run: string;
  state: string;
  keys: string[];
  steps: number[];
  time: number[];
  series: Record<string, (number | null)[]>;
}

export interface Trial {
  trial: string;
  step: number;
  task: string;
  finished: boolean;
  reward: number | null;
  masked: boolean;
  mask_reason: string | null;
  error: string | null;
  num_calls: number;
  tokens: { calls?: number; prompt_tokens?: number; completion_tokens?: number; segments?: number };
}

export interface ToolCall { id: string; name: string; arguments: string }
export interface Message { role: string; content: string; tool_calls: ToolCall[]; tool_call_id?: string; finish_reason?: string | null }
export interface Turn { index: number; new_messages: Message[]; response: Message; history_rewritten: boolean; usage: Record<string, number>; latency_s: number | null; error: string | null }
export interface Trajectory extends Trial { turns: Turn[] }

export interface Advisory { id: string; level: string; metric: string; op: string; threshold: number; value: number; step: number; steps_over: number; steps_with_metric: number; message: string }
export interface AsyncPanel { steps: number[]; summary: { idle_ratio_mean: number | null; trainer_idle_s_total: number; staleness_mean: number | null; staleness_max: number | null; dropped_stale_total: number } }
export interface Health { run: string; advisories: Advisory[]; thresholds: Record<string, { metric: string; op: string; threshold: number }>; async: AsyncPanel | null }

const enc = encodeURIComponent;

async function get<T>(path: string): Promise<T> {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) {
    let msg = `${r.status} ${r.statusText}`;
    try { msg = (await r.json()).error ?? msg; } catch { /* not JSON */ }
    throw new Error(`${path}: ${msg}`);
  }
  return r.json() as Promise<T>;
}

export const api = {
  runs: () => get<{ runs: RunRow[] }>(STATIC ? "data/runs.json" : "api/runs").then((r) => r.runs),
  metrics: (run: string, keys: string[] | null, since: number | null) =>
    STATIC
      ? get<Metrics>(`data/runs/${enc(run)}/metrics.json`)
      : get<Metrics>(`api/runs/${enc(run)}/metrics?${keys ? `keys=${enc(keys.join(","))}&` : ""}${since !== null ? `since=${since}` : ""}`),
  health: (run: string) => get<Health>(STATIC ? `data/runs/${enc(run)}/health.json` : `api/runs/${enc(run)}/health`),
  steps: (run: string) =>
    get<{ steps: number[] }>(STATIC ? `data/runs/${enc(run)}/steps.json` : `api/runs/${enc(run)}/steps`).then((r) => r.steps),
  trials: (run: string, step: number) =>
    get<{ trials: Trial[] }>(STATIC ? `data/runs/${enc(run)}/steps/${step}/trials.json` : `api/runs/${enc(run)}/steps/${step}/trials`).then((r) => r.trials),
  search: async (run: string, q: string): Promise<Trial[]> => {
    if (!STATIC) return (await get<{ trials: Trial[] }>(`api/runs/${enc(run)}/search?q=${enc(q)}`)).trials;
    const all = (await get<{ trials: Trial[] }>(`data/runs/${enc(run)}/trials.json`)).trials;
    const n = q.toLowerCase();
    return all.filter((t) => t.trial.toLowerCase().includes(n) || t.task.toLowerCase().includes(n));
  },
  trajectory: (run: string, step: number, trial: string) =>
    get<Trajectory>(STATIC ? `data/runs/${enc(run)}/traj/${step}/${enc(trial)}.json` : `api/trajectory?run=${enc(run)}&step=${step}&trial=${enc(trial)}`),
};
