#!/usr/bin/env bash
# Multi-device training with torchrun: bash tools/dist_train.sh CONFIG NUM_DEVICES [train.py flags...]
# Works on GPUs (nccl), Ascend NPUs (mmengine switches to hccl) and CPUs (gloo). Multi-node: set NNODES,
# NODE_RANK, MASTER_ADDR and PORT.
set -euo pipefail
CONFIG=$1
DEVICES=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec python -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$DEVICES" --master_port="$PORT" \
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
