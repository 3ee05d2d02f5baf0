# Source on the device after install.sh: the carried site dir + the repo on PYTHONPATH, offline switches.
REPO=${REPO:-$(pwd)}
export PYTHONPATH="$REPO:/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
export PATH="/tmp/site/bin:$PATH"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_USE_FLASHINFER_SAMPLER=0 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1
export WANDB_MODE=disabled RAY_USAGE_STATS_ENABLED=0 HARBOR_TELEMETRY=0 LITELLM_LOCAL_MODEL_COST_MAP=True
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
# keep NVLink multicast off (device rules), also for processes started with their own env
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
export SWERL_CACHE=/tmp/swerl-cache
