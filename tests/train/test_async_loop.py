"""The async loop's rules with a stand-in rollout/update (a rollout that takes time, an update that takes time,
a weights counter): step k+1's rollout overlaps step k's update, the data order is the sync order, samples
staler than max_staleness are dropped and counted, a rollout error reaches the loop, and the local engine's
in-place weight swap waits for running rows and is versioned (real SmolLM2 engine)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from swerl.models.logline import parse_step_line
from swerl.models.trial import Sample
from swerl.train.loop import Schedule, StepResult, TrainLoop
from swerl.train.metrics import StepLogger


class World:
    """Rollouts sleep `gen_s`, updates sleep `upd_s`; samples carry the weights version current when they
    started; publish bumps the version."""

    def __init__(self, gen_s: float = 0.2, upd_s: float = 1.0, stale_from: int = 0):
        self.gen_s, self.upd_s, self.stale_from = gen_s, upd_s, stale_from
        self.version = 0
        self.events: list[tuple[str, int, float]] = []
        self.batches: list[list[int]] = []
        self.lock = threading.Lock()
        self.updates = 0
        self.overlapped: list[bool] = []
        """Per update: did the next step's rollout start while it ran."""

    def rollout(self, step: int, idx: list[int]) -> StepResult:
        v0 = self.version if step < self.stale_from or not self.stale_from else self.version - 5
        with self.lock:
            self.events.append(("gen_start", step, time.perf_counter()))
            self.batches.append(list(idx))
        time.sleep(self.gen_s)
        self.events.append(("gen_end", step, time.perf_counter()))
        s = Sample(
            trial_id=f"t{step}",
            group="g",
            reward=1.0,
            prompt_ids=[1],
            response_ids=[2],
            response_mask=[1],
            response_logprobs=[-0.1],
            min_weight_version=v0,
            max_weight_version=self.version,
        )
        return StepResult([s, s.model_copy()], {"rollout/x": 1.0})

    def update(self, samples: list) -> dict[str, float]:
        self.events.append(("upd_start", len(samples), time.perf_counter()))
        self.updates += 1
        nxt = self.updates + 1
        # wait (bounded) for the next step's rollout to start: async starts it before this update, sync never does
        deadline = time.perf_counter() + self.upd_s
        while time.perf_counter() < deadline and not any(e == "gen_start" and s == nxt for e, s, _ in self.events):
            time.sleep(0.01)
        self.overlapped.append(any(e == "gen_start" and s == nxt for e, s, _ in self.events))
        return {"train/num_samples": float(len(samples))}

    def publish(self) -> dict[str, float]:
        self.version += 1
        return {"timing_s/update_weights": 0.0}


def loop(tmp_path, world: World, lookahead: int, steps: int = 4) -> TrainLoop:
    return TrainLoop(
        Schedule(n_tasks=5, batch=2, total_steps=steps, save_freq=0, seed=3),
        rollout=world.rollout,
        update=world.update,
        save=None,
        ckpt=None,
        logger=StepLogger(tmp_path / f"e{lookahead}.log", tmp_path / f"v{lookahead}.log"),
        lookahead=lookahead,
        publish=world.publish if lookahead else None,
        version=(lambda: world.version) if lookahead else None,
    )


def test_next_rollout_overlaps_the_update_and_keeps_the_sync_order(tmp_path):
    sync_w, async_w = World(), World()
    loop(tmp_path, sync_w, 0).run()
    last = loop(tmp_path, async_w, 1).run()
    assert async_w.batches == sync_w.batches  # same tasks in the same steps
    assert sync_w.overlapped == [False] * 4  # sync: no rollout while updating
    assert async_w.overlapped == [True, True, True, False]  # async: step k+1's trials run during update k
    starts = {s: t for e, s, t in async_w.events if e == "gen_start"}
    ends = {s: t for e, s, t in async_w.events if e == "gen_end"}
    for k in (1, 2, 3):
        assert starts[k + 1] >= ends[k]  # … but not before step k's trials are in (no double concurrency)
    assert last["async/staleness_max"] <= 1 and last["async/dropped_stale"] == 0
    assert 0 <= last["async/idle_ratio"] < 1 and "timing_s/trainer_idle" in last
    assert async_w.version == 4


def test_samples_staler_than_the_bound_are_dropped(tmp_path):
    w = World(gen_s=0.05, upd_s=0.2, stale_from=3)  # from step 3 on, samples claim weights 5 versions old
    log = tmp_path / "e1.log"
    loop(tmp_path, w, 1).run()
    lines = [x for x in log.read_text().splitlines() if x.startswith("step:")]
    assert "async/dropped_stale:0" in lines[1] and "async/dropped_stale:2" in lines[2]
    upd_sizes = [n for e, n, _ in w.events if e == "upd_start"]
    assert upd_sizes == [2, 2, 0, 0]  # nothing stale reaches the update


def test_a_rollout_error_stops_the_loop(tmp_path):
    w = World(gen_s=0.05, upd_s=0.2)

    def broken(step: int, idx: list[int]) -> StepResult:
        if step == 2:
            raise RuntimeError("proxy gone")
        return w.rollout(step, idx)

    lp = loop(tmp_path, w, 1)
    lp.rollout = broken
    with pytest.raises(RuntimeError, match="proxy gone"):
        lp.run()
    assert lp.step == 1  # step 1 trained, step 2 never did


@pytest.mark.integration
def test_local_engine_weight_swap_waits_for_running_rows_and_is_versioned(smol_dir):
    import torch

    from swerl.serve.engines.local import LocalEngine

    eng = LocalEngine.from_path(smol_dir)
    tok = eng.tokenizer
    text = tok.apply_chat_template(
        [{"role": "user", "content": "Count to twenty."}], add_generation_prompt=True, tokenize=False
    )
    prompt = tok.encode(text, add_special_tokens=False)

    async def main():
        running = asyncio.create_task(eng.generate(prompt, max_tokens=24, temperature=0.0))
        await asyncio.sleep(0.3)  # the row is decoding
        same = {k: v.clone() for k, v in eng.model.state_dict().items()}
        held = await asyncio.to_thread(eng.publish, same)
        first = await running
        again = await eng.generate(prompt, max_tokens=24, temperature=0.0)
        zeroed = {k: torch.zeros_like(v) if "lm_head" in k or "embed" in k else v for k, v in same.items()}
        await asyncio.to_thread(eng.publish, zeroed)
        changed = await eng.generate(prompt, max_tokens=4, temperature=0.0)
        await eng.aclose()
        return first, again, changed, held

    first, again, changed, held = asyncio.run(main())
    assert first.weight_version == 0 and again.weight_version == 1 and changed.weight_version == 2
    assert first.token_ids == again.token_ids  # same weights → same greedy tokens, across the swap
    assert changed.token_ids != first.token_ids[:4]  # the new weights are the ones that sample
    assert held >= 0


def test_a_deeper_look_ahead_runs_that_many_steps_ahead_in_the_sync_order(tmp_path):
    """lookahead 2 (= max_staleness 2, as verl's num_warmup_batches): once step k is in, steps k+1 and k+2 run;
    the tasks per step stay the sync order, every step trains, and a sample is at most 2 versions old."""
    sync_w, deep = World(gen_s=0.3, upd_s=0.3), World(gen_s=0.3, upd_s=0.3)
    loop(tmp_path, sync_w, 0, steps=5).run()
    lp = loop(tmp_path, deep, 2, steps=5)
    lp.max_staleness = 2
    last = lp.run()
    assert deep.batches == sync_w.batches and deep.updates == 5
    starts = {s: t for e, s, t in deep.events if e == "gen_start"}
    ends = {s: t for e, s, t in deep.events if e == "gen_end"}
    assert starts[2] >= ends[1] and starts[3] >= ends[1]  # nothing starts before step 1 is in …
    assert starts[3] < ends[2]  # … then steps 2 and 3 run at once (two steps ahead)
    rows = [p[1] for p in map(parse_step_line, (tmp_path / "e2.log").read_text().splitlines()) if p]
    stale = [m["async/staleness_max"] for m in rows]
    assert max(stale) == 2 and last["async/dropped_stale"] == 0
    upd_sizes = [n for e, n, _ in deep.events if e == "upd_start"]
    assert upd_sizes == [2] * 5
