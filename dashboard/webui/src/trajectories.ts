// Trajectory browser: step → trial list → one trial's turns (messages, tool calls, tool results, reply).
import { api, type Message, type Trial, type Trajectory } from "./api";

const COLLAPSE_AT = 600;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = "", text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

/** Text block; long ones collapse into a <details> showing the first lines. */
function content(text: string): HTMLElement {
  if (text.length <= COLLAPSE_AT) return el("pre", "content", text);
  const d = el("details", "content long");
  d.appendChild(el("summary", "", `${text.slice(0, 160).replace(/\s+/g, " ")}… (${text.length} chars)`));
  d.appendChild(el("pre", "", text));
  return d;
}

function prettyArgs(args: string): string {
  try { return JSON.stringify(JSON.parse(args), null, 2); } catch { return args; }
}

function message(m: Message, label?: string): HTMLElement {
  const box = el("div", `msg role-${m.role}`);
  const head = el("div", "msg-head", label ?? m.role);
  if (m.tool_call_id) head.appendChild(el("span", "muted", ` ← ${m.tool_call_id}`));
  if (m.finish_reason) head.appendChild(el("span", "muted", ` · finish: ${m.finish_reason}`));
  box.appendChild(head);
  if (m.content) box.appendChild(content(m.content));
  for (const tc of m.tool_calls) {
    const t = el("div", "tool-call");
    t.appendChild(el("div", "tool-name", `tool call: ${tc.name}  (${tc.id})`));
    t.appendChild(content(prettyArgs(tc.arguments)));
    box.appendChild(t);
  }
  return box;
}

const fmtReward = (t: Trial) =>
  t.masked ? `masked (${t.mask_reason ?? t.error ?? "?"})` : !t.finished ? "running" : t.reward === null ? "—" : String(t.reward);

export class Browser {
  run = "";
  constructor(private stepSel: HTMLSelectElement, private search: HTMLInputElement, private list: HTMLElement, private view: HTMLElement) {
    stepSel.addEventListener("change", () => void this.showStep(Number(stepSel.value)));
    let timer = 0;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => void this.doSearch(), 250);
    });
  }

  async load(run: string): Promise<void> {
    this.run = run;
    const steps = await api.steps(run);
    const keep = this.stepSel.value;
    this.stepSel.innerHTML = "";
    for (const s of steps) this.stepSel.appendChild(new Option(`step ${s}`, String(s)));
    if (!steps.length) {
      this.list.innerHTML = `<p class="muted">no trial directories for this run</p>`;
      this.view.innerHTML = "";
      return;
    }
    this.stepSel.value = steps.map(String).includes(keep) ? keep : String(steps[steps.length - 1]);
    await this.showStep(Number(this.stepSel.value));
  }

  async showStep(step: number): Promise<void> {
    this.table(await api.trials(this.run, step), `step ${step}`);
  }

  async doSearch(): Promise<void> {
    const q = this.search.value.trim();
    if (!q) return this.showStep(Number(this.stepSel.value));
    this.table(await api.search(this.run, q), `search “${q}”`);
  }

  table(trials: Trial[], caption: string): void {
    this.list.innerHTML = "";
    const t = el("table", "trials");
    t.appendChild(el("caption", "", `${caption}: ${trials.length} trials`));
    const head = el("tr");
    for (const h of ["step", "trial", "task", "reward", "calls", "tokens (p/c)"]) head.appendChild(el("th", "", h));
    t.appendChild(head);
    for (const tr of trials) {
      const row = el("tr", tr.masked ? "masked" : "");
      row.dataset.trial = tr.trial;
      const tok = tr.tokens.calls ? `${tr.tokens.prompt_tokens}/${tr.tokens.completion_tokens}` : "—";
      for (const v of [String(tr.step), tr.trial, tr.task, fmtReward(tr), String(tr.num_calls), tok]) row.appendChild(el("td", "", v));
      row.addEventListener("click", () => void this.open(tr.step, tr.trial));
      t.appendChild(row);
    }
    this.list.appendChild(t);
  }

  async open(step: number, trial: string): Promise<void> {
    const tj: Trajectory = await api.trajectory(this.run, step, trial);
    this.list.querySelectorAll("tr.selected").forEach((r) => r.classList.remove("selected"));
    this.list.querySelector(`tr[data-trial="${CSS.escape(trial)}"]`)?.classList.add("selected");
    const v = this.view;
    v.innerHTML = "";
    v.dataset.trial = trial;
    v.appendChild(el("h3", "", `${tj.trial}`));
    const facts = el("p", "facts");
    facts.textContent = `task ${tj.task} · reward ${fmtReward(tj)} · ${tj.turns.length} turns · tokens ${tj.tokens.prompt_tokens ?? "—"} prompt / ${tj.tokens.completion_tokens ?? "—"} completion in ${tj.tokens.calls ?? 0} calls, ${tj.tokens.segments ?? 0} segment(s)`;
    v.appendChild(facts);
    if (tj.error) v.appendChild(el("p", "error", `error: ${tj.error}`));
    for (const turn of tj.turns) {
      const d = el("details", "turn");
      d.open = true;
      const u = turn.usage;
      const usage = u.prompt_tokens ?? u.input_tokens;
      d.appendChild(el("summary", "", `turn ${turn.index + 1}${usage !== undefined ? ` · ${usage} prompt / ${u.completion_tokens ?? u.output_tokens} completion tokens` : ""}${turn.latency_s ? ` · ${turn.latency_s}s` : ""}${turn.history_rewritten ? " · history rewritten" : ""}`));
      for (const m of turn.new_messages) d.appendChild(message(m));
      if (turn.error) d.appendChild(el("p", "error", `call failed: ${turn.error}`));
      else d.appendChild(message(turn.response, "assistant (sampled)"));
      v.appendChild(d);
    }
  }
}
