#!/usr/bin/env bash
# Multi-device evaluation with torchrun: bash tools/dist_test.sh CONFIG CHECKPOINT NUM_DEVICES [test.py flags...]
# Works on GPUs (nccl), Ascend NPUs (mmengine switches to hccl) and CPUs (gloo). Multi-node: set NNODES,
# NODE_RANK, MASTER_ADDR and PORT.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
DEVICES=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec python -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$DEVICES" --master_port="$PORT" \
    "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
