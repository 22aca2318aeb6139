#!/usr/bin/env bash
# The GPU check (issue 13), run from the project root on a machine with an accelerator:
#
#   bash tools/analysis/gpu_check.sh          # or: make gpu-check
#   TINY=1 bash tools/analysis/gpu_check.sh   # the same phases with the small demo configs (runs on a CPU too)
#
# 0. the stack: uses the active environment (or ./.venv) when mmpose and mmcv's ops import; otherwise sources
#    .whl/setup_stack.sh (pre-downloaded wheels, see docs/benchmark.md "GPU check").
# 1. benchmark table of the W48 trio (HRNet-W48, MIPNet-W48 with the shared prefix, MIPNet-W48 the reference's
#    way), training and inference with flip test, at bf16, fp16 (both channels-last) and fp32, batch $BATCH; the
#    bf16 log also has each config's most expensive operators (torch.profiler, 3 training steps).
# 2. real training throughput of MIPNet-W48 in bf16 (synthetic crowd data, the config's pipeline, $WORKERS
#    loader workers): img/s, data wait, peak memory, workers needed.
# 3. the tool tests, the AMP tests and the compile parity test on the device.
# 4. (COMPILE=1) the bf16 MIPNet-W48 training step under torch.compile.
# Every phase has its own time limit and log under $OUT; the summary is $OUT/summary.txt. Expected on one H200:
# about 6 minutes with mmcv's wheel in .whl (about 2 more to build mmcv's CPU ops once).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

OUT=${OUT:-work_dirs/gpu_check}
BATCH=${BATCH:-64}
ITERS=${ITERS:-10}
WORKERS=${WORKERS:-$(( $(nproc) < 16 ? $(nproc) : 16 ))}
HRNET=configs/baselines/td-hm_hrnet-w48_coco-384x288.py
MIPNET=configs/mipnet/td-hm_mipnet-w48_coco-384x288.py
TP_ARGS=(--iters 15 --warmup 5 --num-images 256)
TESTS=(tests/test_tools tests/test_utils/test_amp.py tests/test_analysis)
if [[ -n "${TINY:-}" ]]; then  # the CPU-runnable shape of every phase
  BATCH=2 ITERS=1 WORKERS=1
  HRNET=configs/baselines/td-hm_hrnet-lite_synthcrowd-128x96.py
  MIPNET=configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py
  TP_ARGS=(--iters 2 --warmup 1 --num-images 8 --pipeline-samples 5)
  TESTS=(tests/test_utils/test_amp.py tests/test_analysis/test_train_throughput.py)
fi
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

run_phase() {  # run_phase NAME SECONDS CMD...: one phase with its own limit and log
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc in $((SECONDS - t0)) s (log $OUT/$name.log)"
  return $rc
}

# ---------------------------------------------------------------- 1. benchmark table
TRIO=("$HRNET" "$MIPNET" "$MIPNET::model.backbone.shared_prefix=False")
for precision in bfloat16 float16 float32; do
  extra=(--amp --amp-dtype "$precision" --channels-last)
  [[ $precision == bfloat16 ]] && extra+=(--profile 3)  # where the time goes, per config, in the log
  [[ $precision == float32 ]] && extra=()
  run_phase "bench_$precision" 200 "$PYTHON" tools/analysis/benchmark.py "${TRIO[@]}" --batch-size "$BATCH" \
    --iters "$ITERS" --warmup 3 "${extra[@]}" --out "$OUT/bench_$precision.json"
  sed -n '/^config /,$p' "$OUT/bench_$precision.log" | tee -a "$SUMMARY"
done

# ---------------------------------------------------------------- 2. real training throughput
run_phase throughput 240 "$PYTHON" tools/analysis/train_throughput.py "$MIPNET" --amp --amp-dtype bfloat16 \
  --batch-size "$BATCH" --num-workers "$WORKERS" "${TP_ARGS[@]}" --work-dir "$OUT/throughput" \
  --out "$OUT/throughput.json"
sed -n '/^config /,$p' "$OUT/throughput.log" | tee -a "$SUMMARY"

# ---------------------------------------------------------------- 3. tests on the device
run_phase tests 240 "$PYTHON" -m pytest -q -x -p no:cacheprovider "${TESTS[@]}"
tail -n 3 "$OUT/tests.log" | tee -a "$SUMMARY"

# ---------------------------------------------------------------- 4. torch.compile (optional)
if [[ -n "${COMPILE:-}" ]]; then
  run_phase compile 300 "$PYTHON" tools/analysis/benchmark.py "$MIPNET" "$MIPNET::compile=True" --mode train \
    --batch-size "$BATCH" --iters "$ITERS" --warmup 3 --amp --amp-dtype bfloat16 --channels-last --no-flops \
    --out "$OUT/compile.json"
  sed -n '/^config /,$p' "$OUT/compile.log" | tee -a "$SUMMARY"
fi
note "done in $((SECONDS - start)) s; summary in $SUMMARY"
