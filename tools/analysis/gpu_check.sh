#!/usr/bin/env bash
# The GPU check (issue 13), run from the project root on a machine with an accelerator:
#
#   bash tools/analysis/gpu_check.sh          # or: make gpu-check
#   TINY=1 bash tools/analysis/gpu_check.sh   # the same phases with the small demo configs (runs on a CPU too)
#
# 0. the stack: uses the active environment (or ./.venv) when mmpose and mmcv's ops import; otherwise sources
#    .whl/setup_stack.sh (pre-downloaded wheels, see docs/benchmark.md "GPU check").
# 1. benchmark table of the W48 trio (HRNet-W48, MIPNet-W48 with the shared prefix, MIPNet-W48 the reference's
#    way), training and inference with flip test, in bf16 with channels-last, batch $BATCH, with each config's most
#    expensive operators (torch.profiler, 3 training steps) in the log.
# 2. real training throughput of the shipped configs/mipnet_w48.py as a user runs it with --amp (the device's
#    dtype, channels-last, cuDNN autotuning; synthetic crowd data, the config's pipeline, $WORKERS loader workers):
#    img/s, model-step img/s, data wait, peak memory, workers needed; at batch $BATCH, then at batch 128.
# 3. the same table in fp16 (channels-last) and fp32.
# 4. the tool tests, the AMP tests, the compile parity test and the throughput test on the device.
# 5. (COMPILE=1, 5 more minutes at most) the bf16 MIPNet-W48 training step under torch.compile.
# Every phase has its own time limit and log under $OUT, cut so that the whole run ends within DEADLINE seconds
# (570, setup included); the summary is $OUT/summary.txt. Expected on one H200: about 6-7 minutes with mmcv's
# wheel in .whl; building mmcv's CPU ops once takes about 2 more, which the deadline takes from the last phases.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

OUT=${OUT:-work_dirs/gpu_check}
BATCH=${BATCH:-64}
ITERS=${ITERS:-10}
WORKERS=${WORKERS:-$(( $(nproc) < 16 ? $(nproc) : 16 ))}
HRNET=configs/baselines/td-hm_hrnet-w48_coco-384x288.py
MIPNET=configs/mipnet/td-hm_mipnet-w48_coco-384x288.py
SHIPPED=configs/mipnet_w48.py  # what `python tools/train.py configs/mipnet_w48.py --amp` trains
BATCH_LARGE=${BATCH_LARGE:-128}
# 1,100 images (about 2,700 persons): batch 128 x 20 iterations stays inside one epoch (an epoch boundary inside
# the timed window restarts the loader: 58 img/s against 127 in the issue-13 run); generated once, reused at batch 128
TP_ARGS=(--iters 15 --warmup 5 --num-images 1100)
TESTS=(tests/test_tools tests/test_utils/test_amp.py tests/test_utils/test_amp_policy.py
       tests/test_analysis/test_compile.py tests/test_analysis/test_train_throughput.py)
if [[ -n "${TINY:-}" ]]; then  # the CPU-runnable shape of every phase
  BATCH=2 ITERS=1 WORKERS=1
  HRNET=configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py
  MIPNET=configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py
  SHIPPED=$MIPNET BATCH_LARGE=4
  TP_ARGS=(--iters 2 --warmup 1 --num-images 8 --pipeline-samples 5)
  TESTS=(tests/test_utils/test_amp.py tests/test_utils/test_amp_policy.py tests/test_analysis/test_train_throughput.py)
  DEADLINE=${DEADLINE:-1800}  # a small CPU
fi
DEADLINE=${DEADLINE:-570}  # seconds for the whole run, setup included: every phase is cut to fit
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
note() { echo "[gpu-check] $*" | tee -a "$SUMMARY"; }
start=$SECONDS

# ---------------------------------------------------------------- 0. the stack
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -n "${VIRTUAL_ENV:-}" ]]; then PYTHON="$VIRTUAL_ENV/bin/python"
  elif [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python
  else PYTHON=python3; fi
fi
if ! "$PYTHON" -c "import mmpose.models, mmcv.ops, xtcocotools.coco" 2>/dev/null; then
  [[ -f .whl/setup_stack.sh ]] || { note "no OpenMMLab stack and no .whl/setup_stack.sh: run make install first"; exit 1; }
  PYTHON=python3
  # shellcheck disable=SC1091
  source .whl/setup_stack.sh > "$OUT/setup.log" 2>&1 || { note "stack setup failed, see $OUT/setup.log"; exit 1; }
fi
"$PYTHON" - <<'EOF' | tee -a "$SUMMARY"
import numpy, torch, mmengine.device as d
name = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else 'none'
print(f'[gpu-check] torch {torch.__version__}, numpy {numpy.__version__}, device {d.get_device()} ({name})')
EOF
note "stack ready after $((SECONDS - start)) s"

run_phase() {  # run_phase NAME SECONDS CMD...: one phase with its own limit (cut to what is left of DEADLINE)
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS left=$(( DEADLINE - (SECONDS - start) ))
  if (( left < 30 )); then note "$name: skipped, ${left} s left of the ${DEADLINE} s deadline"; return 1; fi
  (( limit > left )) && limit=$left
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc in $((SECONDS - t0)) s (log $OUT/$name.log)"
  return $rc
}

# ---------------------------------------------------------------- 1-4. tables, throughput, tests
TRIO=("$HRNET" "$MIPNET" "$MIPNET::model.backbone.shared_prefix=False")
bench() {  # bench PRECISION SECONDS ITERS
  local precision=$1 limit=$2 iters=$3 extra=()
  [[ $precision != float32 ]] && extra=(--amp --amp-dtype "$precision" --channels-last)
  [[ $precision == bfloat16 ]] && extra+=(--profile 3)  # where the time goes, per config, in the log
  run_phase "bench_$precision" "$limit" "$PYTHON" tools/analysis/benchmark.py "${TRIO[@]}" --batch-size "$BATCH" \
    --iters "$iters" --warmup 3 "${extra[@]}" --out "$OUT/bench_$precision.json"
  sed -n '/^config /,$p' "$OUT/bench_$precision.log" | tee -a "$SUMMARY"
}
# the most wanted figures first, so that a cut deadline drops the least
bench bfloat16 110 "$ITERS"
# --amp without --amp-dtype: the dtype tools/train.py --amp picks (the log's "--amp:" line says which and why)
tp_limit=150  # the first run generates the images too
for tp_batch in "$BATCH" "$BATCH_LARGE"; do
  run_phase "throughput_b$tp_batch" "$tp_limit" "$PYTHON" tools/analysis/train_throughput.py "$SHIPPED" --amp \
    --batch-size "$tp_batch" --num-workers "$WORKERS" "${TP_ARGS[@]}" --work-dir "$OUT/throughput" \
    --out "$OUT/throughput_b$tp_batch.json"
  grep -h '^--amp:' "$OUT/throughput_b$tp_batch.log" | head -1 | tee -a "$SUMMARY"
  sed -n '/^config /,$p' "$OUT/throughput_b$tp_batch.log" | tee -a "$SUMMARY"
  tp_limit=100
done
bench float16 80 "$ITERS"
bench float32 80 "$(( ITERS > 5 ? 5 : ITERS ))"
run_phase tests 150 "$PYTHON" -m pytest -q -x -p no:cacheprovider "${TESTS[@]}"
tail -n 3 "$OUT/tests.log" | tee -a "$SUMMARY"

# ---------------------------------------------------------------- 5. torch.compile (optional)
if [[ -n "${COMPILE:-}" ]]; then
  DEADLINE=$(( DEADLINE + 300 ))
  run_phase compile 300 "$PYTHON" tools/analysis/benchmark.py "$MIPNET" "$MIPNET::compile=True" --mode train \
    --batch-size "$BATCH" --iters "$ITERS" --warmup 3 --amp --amp-dtype bfloat16 --channels-last --no-flops \
    --out "$OUT/compile.json"
  sed -n '/^config /,$p' "$OUT/compile.log" | tee -a "$SUMMARY"
fi
note "done in $((SECONDS - start)) s; summary in $SUMMARY"
