"""Run Harbor trials and classify each into a reward or a mask.

`run_one(job, settings, endpoint)`: one trial with an overall deadline (`max_timeout_sec`) and retries only for
failures before the agent ran (no policy tokens spent). `run_trials(jobs, …)`: many, through
`swerl.rollout.scheduler.TrialScheduler` (`num_workers` at a time, paced sandbox starts, the tail-killer). Each
trial's files land in `trial_dir(trials_root, trial_id)` (Harbor's result.json, agent/, verifier/; the gateway
adds tokens.jsonl; `record_outcome` adds outcome.json).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from swerl.config.paths import claim_trial_dir, trial_dir
from swerl.models.backend import DOCKER_API, LOCAL_PROCESS  # noqa: F401
from swerl.models.backend import KUBERNETES as K8S
from swerl.models.backend import resolve as resolve_backend
from swerl.models.trial import token_counts
from swerl.rollout.agents.registry import AgentEndpoint, AgentOptions, agent_config
from swerl.rollout.outcome import SwerlBug, TrialOutcome, classify, decide, phase_seconds
from swerl.rollout.tasks import TaskRow

os.environ.setdefault("HARBOR_TELEMETRY", "0")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class TrialJob(BaseModel):
    trial_id: str
    task: TaskRow
    group: str
    agent_name: str = ""
    """Empty = settings.agent_name (a row's agent_name wins over the config)."""
    temperature: float | None = None
    """This trial's sampling temperature (0 = greedy), applied by the gateway to every call of the trial
    (validation, `swerl eval`, verl's val_kwargs); None = the gateway's default (the training temperature)."""
    top_p: float | None = None


class RolloutSettings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    trials_root: Path
    num_workers: int = 4
    max_timeout_sec: float = 600
    max_retries: int = 1
    tail_kill_enabled: bool = True
    tail_kill_fraction: float = 0.9
    tail_kill_grace_sec: float = 120
    max_sandbox_starts_per_sec: float = 0.0
    """0 = start sandboxes as fast as slots free up."""
    environment_import_path: str = DOCKER_API
    environment_kwargs: dict = {}
    force_build: bool = False
    agent_name: str = "swerl-bash"
    agent_import_path: str = ""
    agent: AgentOptions = AgentOptions()
    run_label: str = "adhoc"
    """Containers get `swerl.run=<run_label>` (the experiment name)."""

    @classmethod
    def from_config(cls, cfg, trials_root: Path, run_label: str, **over) -> "RolloutSettings":
        i = cfg.input
        ha, hr, tr = i.harbor_agent, i.harbor_runtime, i.training
        backend = resolve_backend(over.pop("environment_import_path", "") or ha.environment_import_path, ha.docker_host)
        env_path = backend.import_path
        kwargs: dict = {}
        if env_path == DOCKER_API:
            kwargs = {"docker_host": ha.docker_host, "tls_dir": ha.docker_tls_dir, "run_label": run_label}
            if ha.sandbox_egress != "open":
                kwargs |= {"egress": ha.sandbox_egress, "relay_image": ha.base_image}
        elif backend.kind == "kubernetes":
            k = i.k8s
            kwargs = {
                "kubeconfig": k.kubeconfig,
                "namespace": k.namespace,
                "pod_name_prefix": k.pod_name_prefix,
                "startup_timeout_sec": k.pod_startup_timeout_sec,
                "active_deadline_sec": k.pod_active_deadline_sec,
                "image_pull_policy": k.image_pull_policy,
                "cpu_request": k.cpu_request,
                "memory_request": k.memory_request,
            }
        claude = ""
        if ha.agent_name == "claude-code":
            from swerl.serve.assets import ensure_claude_binary  # type: ignore[import-not-found]

            claude = str(ensure_claude_binary())
        mswea = ""
        if ha.agent_name == "mini-swe-agent":
            from swerl.rollout.images import ensure_mswea

            mswea = str(ensure_mswea())
        ohsdk = ""
        if ha.agent_name == "openhands-sdk":
            from swerl.rollout.ohsdk_assets import ensure_ohsdk

            ohsdk = str(ensure_ohsdk())
        base = dict(
            trials_root=trials_root,
            num_workers=hr.num_workers,
            max_timeout_sec=ha.max_timeout_sec,
            max_retries=ha.max_retries,
            tail_kill_enabled=hr.tail_kill_enabled,
            tail_kill_fraction=hr.tail_kill_fraction,
            tail_kill_grace_sec=hr.tail_kill_grace_sec,
            max_sandbox_starts_per_sec=hr.max_sandbox_starts_per_sec,
            environment_import_path=env_path,
            environment_kwargs=kwargs,
            force_build=ha.environment_force_build,
            agent_name=ha.agent_name,
            agent_import_path=ha.agent_import_path,
            agent=AgentOptions(
                max_turns=ha.max_turns,
                max_tokens_per_turn=tr.max_tokens_per_turn,
                temperature=i.vllm.temperature,
                top_p=i.vllm.top_p,
                claude_binary=claude,
                mswea_dir=mswea,
                ohsdk_dir=ohsdk,
                allowed_tools=list(ha.allowed_tools),
            ),
            run_label=run_label,
        )
        base.update(over)
        return cls(**base)


async def _harbor_trial(job: TrialJob, trial_id: str, settings: RolloutSettings, endpoint: AgentEndpoint):
    from harbor.models.trial.config import EnvironmentConfig, TaskConfig, TrialConfig
    from harbor.trial.trial import Trial

    name = job.agent_name or settings.agent_name
    kwargs = dict(settings.environment_kwargs)
    if kwargs.get("egress") == "proxy_only" and endpoint.sandbox_url:
        # The sandbox reaches only the relay (envs/egress.py), which it knows as host.docker.internal.
        from dataclasses import replace

        from swerl.rollout.network import via_host_alias

        kwargs["proxy_url"] = endpoint.sandbox_url
        endpoint = replace(endpoint, sandbox_url=via_host_alias(endpoint.sandbox_url))
    agent, mounts = agent_config(name, settings.agent_import_path, trial_id, endpoint, settings.agent)
    if settings.environment_import_path in (DOCKER_API, K8S):
        kwargs["run_label"] = settings.run_label
    env = EnvironmentConfig(
        import_path=settings.environment_import_path,
        kwargs=kwargs,
        force_build=settings.force_build,
        mounts=mounts or None,
    )
    tdir = trial_dir(settings.trials_root, trial_id)
    cfg = TrialConfig(
        task=TaskConfig(path=job.task.task_path),
        trial_name=trial_id,
        trials_dir=tdir.parent,
        agent=agent,
        environment=env,
    )
    trial = await Trial.create(cfg)
    return await trial.run()


def _cleanup_sandboxes(trial_id: str, settings: RolloutSettings) -> None:
    """Safety net after a cancel: remove containers of this trial that Harbor's own teardown may have missed."""
    if settings.environment_import_path == K8S:
        return _cleanup_pods(trial_id, settings)
    if settings.environment_import_path != DOCKER_API:
        return
    try:
        from swerl.rollout.envs.docker_api import LABEL_TRIAL, docker_client

        kw = settings.environment_kwargs
        client = docker_client(kw.get("docker_host", ""), kw.get("tls_dir", ""))
        for c in client.containers.list(all=True, filters={"label": f"{LABEL_TRIAL}={trial_id}__env"}):
            c.remove(force=True)
    except Exception:
        pass


def _cleanup_pods(trial_id: str, settings: RolloutSettings) -> None:
    try:
        from kubernetes import client

        from swerl.rollout.envs.k8s import _label_value, api_client

        kw = settings.environment_kwargs
        core = client.CoreV1Api(api_client(kw.get("kubeconfig", "")))
        ns = kw.get("namespace", "default")
        for pod in core.list_namespaced_pod(ns, label_selector=f"swerl.trial={_label_value(trial_id + '__env')}").items:
            core.delete_namespaced_pod(pod.metadata.name, ns, grace_period_seconds=0)
    except Exception:
        pass


def _turns(tdir: Path) -> int:
    """Agent turns: swerl-bash's own turn log, else the trial's model calls recorded by the gateway (every
    other agent: claude-code, mini-swe-agent, the OpenHands SDK …)."""
    log = tdir / "agent" / "swerl-bash.jsonl"
    try:
        return sum(1 for _ in log.open())
    except OSError:
        pass
    try:
        return token_counts(tdir / "tokens.jsonl").get("calls", 0)
    except ValueError:  # a corrupt record file: the sample builder reports it; a turn count is not worth failing
        return 0


async def run_one(job: TrialJob, settings: RolloutSettings, endpoint: AgentEndpoint) -> TrialOutcome:
    t0 = time.time()
    trial_id, attempt = job.trial_id, 0
    while True:
        attempt += 1
        try:
            tdir = claim_trial_dir(settings.trials_root, trial_id)
        except FileExistsError:
            raise SwerlBug(
                f"trial {trial_id}: its dir {trial_dir(settings.trials_root, trial_id)} already exists — two trials "
                "got one id (a trial dispatched twice?); ids must be unique per run"
            ) from None
        if job.temperature is not None or job.top_p is not None:
            from swerl.serve.gateway.client import SamplingNotSet, aset_sampling

            try:  # before the agent's first call; a trial that cannot get its sampling does not run
                await aset_sampling(
                    endpoint.host_url,
                    trial_id,
                    temperature=job.temperature,
                    top_p=job.top_p,
                    api_key=endpoint.api_key or None,
                )
            except SamplingNotSet as exc:
                return TrialOutcome(
                    trial_id=trial_id,
                    task_id=job.task.instance_id,
                    group=job.group,
                    masked=True,
                    mask_reason="proxy_error",
                    trial_dir=tdir,
                    duration_s=time.time() - t0,
                    error=str(exc)[:500],
                    attempts=attempt,
                )
        try:
            result = await asyncio.wait_for(_harbor_trial(job, trial_id, settings, endpoint), settings.max_timeout_sec)
        except TimeoutError:
            await asyncio.to_thread(_cleanup_sandboxes, trial_id, settings)
            return TrialOutcome(
                trial_id=trial_id,
                task_id=job.task.instance_id,
                group=job.group,
                masked=True,
                mask_reason="deadline",
                trial_dir=tdir,
                duration_s=time.time() - t0,
                num_turns=_turns(tdir),
                attempts=attempt,
            )
        except asyncio.CancelledError:
            await asyncio.to_thread(_cleanup_sandboxes, trial_id, settings)
            raise
        except Exception as exc:  # Harbor refused the trial before running it (bad task, bad config)
            if decide(type(exc).__name__, False, False).decision == "raise":
                raise SwerlBug(f"trial {trial_id}: {type(exc).__name__}: {exc}"[:400]) from exc
            return TrialOutcome(
                trial_id=trial_id,
                task_id=job.task.instance_id,
                group=job.group,
                masked=True,
                mask_reason=f"error:{type(exc).__name__}",
                trial_dir=tdir,
                duration_s=time.time() - t0,
                error=str(exc)[:500],
                attempts=attempt,
            )
        reward, reason, retryable = classify(result)
        if reason.startswith("bug:"):
            msg = result.exception_info.exception_message[:300] if result.exception_info else ""
            raise SwerlBug(
                f"trial {trial_id}: {reason[4:]}: {msg} — a bug, not an infrastructure failure "
                f"(traceback: {tdir}/exception.txt)"
            )
        if reason and retryable and attempt <= settings.max_retries:
            trial_id = f"{job.trial_id}-r{attempt}"
            continue
        err = result.exception_info.exception_message[:500] if result.exception_info else ""
        return TrialOutcome(
            trial_id=trial_id,
            task_id=job.task.instance_id,
            group=job.group,
            reward=reward,
            masked=bool(reason),
            mask_reason=reason,
            trial_dir=tdir,
            duration_s=time.time() - t0,
            num_turns=_turns(tdir),
            error=err,
            attempts=attempt,
            phases=phase_seconds(result),
        )


def record_outcome(out: TrialOutcome) -> None:
    """`outcome.json` in the trial dir: the runner's verdict of record (the dashboard prefers it to result.json)."""
    try:
        out.trial_dir.mkdir(parents=True, exist_ok=True)
        tmp = out.trial_dir / ".outcome.json.tmp"
        tmp.write_text(out.model_dump_json(indent=2))
        tmp.replace(out.trial_dir / "outcome.json")
    except OSError:
        pass  # a full disk must not turn a trial's verdict into a crash; the outcome still reaches the trainer


async def run_trials(
    jobs: list[TrialJob],
    settings: RolloutSettings,
    endpoint: AgentEndpoint | None = None,
    on_done: Callable[[TrialOutcome, int, int], None] | None = None,
    *,
    step: int = 0,
) -> list[TrialOutcome]:
    """All jobs' outcomes, in job order, through one TrialScheduler (concurrency cap, start pace, tail-killer).
    Never raises for a single trial's failure; a SwerlBug cancels the rest and raises."""
    from swerl.rollout.scheduler import TrialScheduler

    n = len(jobs)
    finished = [0]

    def done(out: TrialOutcome, _step: int, _part: str) -> None:
        finished[0] += 1
        if on_done:
            on_done(out, finished[0], n)

    sched = TrialScheduler(settings, endpoint or AgentEndpoint(), on_done=done)
    tasks = [asyncio.create_task(sched.run(j, step)) for j in jobs]
    if not tasks:
        return []
    await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    bad = next((t for t in tasks if t.done() and not t.cancelled() and t.exception() is not None), None)
    if bad is not None:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise bad.exception()  # type: ignore[misc]
    return [t.result() for t in tasks]
