"""The "┌─ Run Configuration ───" box `swerl run` shows before asking to proceed (SPEC "Launch")."""

from __future__ import annotations

from pathlib import Path

from swerl.config.paths import RunPaths
from swerl.config.schema import SwerlConfig

WIDTH = 78


def backend(cfg: SwerlConfig) -> str:
    from swerl.models.backend import of

    ha, k8s = cfg.input.harbor_agent, cfg.input.k8s
    kind = of(cfg).kind
    if kind == "kubernetes":
        return f"K8s ({k8s.kubeconfig or '~/.kube/config'}, ns {k8s.namespace}, pods harbor-run={k8s.pod_name_prefix})"
    if kind == "local":
        return "local processes (NO ISOLATION)"
    if kind == "custom":
        return f"custom ({ha.environment_import_path})"
    if kind == "docker-remote":
        return f"Docker (remote {ha.docker_host})"
    return f"Docker ({'local' if not ha.docker_host else ha.docker_host})"


def rows(cfg: SwerlConfig) -> list[tuple[str, str]]:
    i = cfg.input
    inf, t, v, a, ha = i.infrastructure, i.training, i.vllm, i.algorithm, i.harbor_agent
    gpus = f"{inf.ngpus_per_node} GPU" if inf.ngpus_per_node else "CPU"
    kl = f"kl_loss {a.kl_loss_coef}" if a.use_kl_loss else "kl off"
    test = f"every {t.test_freq}" if t.test_freq > 0 else "never"
    steps = f"steps {t.total_training_steps}" if t.total_training_steps else "steps = epochs × batches"
    return [
        ("Model", f"{i.model.model_path} (served as {i.model.served_model_name})"),
        ("Data", f"train={Path(i.data.train_index).name or '—'}  val={Path(i.data.val_index).name or '—'}"),
        ("Backend", backend(cfg)),
        ("Parallelism", f"{inf.nnodes} node × {gpus} · engine {t.engine} · gen_tp {v.gen_tp}"),
        (
            "Batch",
            f"{t.train_batch_size} prompts × {t.n_resp_per_prompt} = {t.train_batch_size * t.n_resp_per_prompt} trials/step",
        ),
        (
            "Context",
            f"prompt {t.max_prompt_length} + response {t.max_response_length} (model max {v.max_model_length})",
        ),
        ("vLLM", f"gpu_mem {v.gpu_memory_utilization} · tool parser {v.tool_call_parser} · T={v.temperature}"),
        ("Algorithm", f"{a.adv_estimator} (loss {a.policy_loss_mode}, lr {a.learning_rate:g}, {kl})"),
        ("Epochs", f"{t.total_epochs} ({steps}, save every {t.save_freq}, test {test})"),
        (
            "Agent",
            f"{ha.agent_import_path or ha.agent_name} (turns {ha.max_turns}, timeout {ha.max_timeout_sec}s, "
            f"workers {i.harbor_runtime.num_workers})",
        ),
        ("wandb", f"{i.credentials.wandb_mode} (project {i.experiment.project_name})"),
        ("Experiment", i.experiment.exp_name or "auto: harbor-cc-sync-1n-<UTC timestamp>"),
        ("Output", str(RunPaths.of(cfg).root)),
    ]


def render(cfg: SwerlConfig) -> str:
    head = "┌─ Run Configuration "
    lines = [head + "─" * (WIDTH - len(head))]
    lines += [f"│ {k:<12} {v}" for k, v in rows(cfg)]
    lines.append("└" + "─" * (WIDTH - 1))
    return "\n".join(lines)
