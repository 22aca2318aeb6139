#!/usr/bin/env bash
# Installs mmpose_ext and the OpenMMLab stack it runs on, on a fresh machine or inside an existing env.
#
#   bash tools/install/install.sh            # what `make install` runs
#
# - Uses the active virtualenv/conda env (VIRTUAL_ENV or CONDA_PREFIX), else creates ./.venv.
# - Keeps an existing torch + torchvision pair that imports and runs torchvision.ops.nms (a CUDA or Ascend
#   user's own build); otherwise installs the package registry's pair (TORCH_VERSION / TORCHVISION_VERSION).
# - Builds mmcv 2.1.0 with its compiled ops from the source package (no wheel exists for torch > 2.1) and keeps
#   the wheel in a cache keyed by the torch version, because pip's own wheel cache ignores the torch ABI.
#   On Ascend export FORCE_NPU=1 first; on a GPU machine with nvcc the CUDA ops are built automatically.
# - Pins everything else through tools/install/constraints.txt.
# - Idempotent: a second run with the same inputs finishes in seconds (stamp file in the environment).
set -euo pipefail

# Everything lives in main() so that bash parses the whole file before running any of it.
main() {

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE="$ROOT/tools/install"
CONSTRAINTS="$HERE/constraints.txt"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
TORCHVISION_VERSION="${TORCHVISION_VERSION:-0.28.0}"
MMCV_VERSION="2.1.0"
CACHE_DIR="${MMPOSE_EXT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmpose_ext}"

log() { printf '\033[1;34m[install]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[install] error:\033[0m %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- environment
if [[ -n "${VIRTUAL_ENV:-}" ]]; then
  PY="$VIRTUAL_ENV/bin/python"; ENV_DIR="$VIRTUAL_ENV"
elif [[ -n "${CONDA_PREFIX:-}" ]]; then
  PY="$CONDA_PREFIX/bin/python"; ENV_DIR="$CONDA_PREFIX"
else
  ENV_DIR="$ROOT/.venv"; PY="$ENV_DIR/bin/python"
  if [[ ! -x "$PY" ]]; then
    log "creating virtual environment $ENV_DIR"
    python3 -m venv "$ENV_DIR"
  fi
fi
[[ -x "$PY" ]] || die "no python at $PY"
log "environment: $ENV_DIR ($("$PY" --version))"

STAMP="$ENV_DIR/.mmpose_ext_install"
inputs_hash() {
  cat "$HERE/install.sh" "$HERE/constraints.txt" "$HERE/requirements.txt" "$ROOT/setup.cfg" \
    "$ROOT/pyproject.toml" 2>/dev/null | sha256sum | cut -c1-16
}
HASH="$(inputs_hash)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$HASH" ]] \
   && "$PY" -c "import mmpose_ext, mmcv.ops, mmpose.models, xtcocotools.coco" 2>/dev/null; then
  log "already installed (stamp $HASH); nothing to do"
  exit 0
fi

PIP=("$PY" -m pip --disable-pip-version-check)
# pip warns once per package about unreadable extra-index locations some machines configure; keep the log readable.
quiet_pip() { "${PIP[@]}" "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }; }
PIPC=(quiet_pip install -c "$CONSTRAINTS")
start=$SECONDS

# ---------------------------------------------------------------- build tools
log "build tools (setuptools<80.9 keeps pkg_resources for mmcv's setup.py and mim without its removal warning)"
"${PIPC[@]}" -q --upgrade pip "setuptools<80.9" wheel
# numpy together with OpenCV, so that the numpy that xtcocotools is built against below stays installed
"${PIPC[@]}" -q numpy opencv-python cython ninja packaging

# ---------------------------------------------------------------- torch
torch_ok() {
  "$PY" - <<'EOF' 2>/dev/null
import torch, torchvision
from torchvision.ops import nms
nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
print(torch.__version__, torchvision.__version__)
EOF
}
if pair="$(torch_ok)"; then
  log "keeping the installed torch/torchvision pair: $pair"
else
  # '===' asks for the registry's exact build: with '==' pip prefers a local '+cpu' torch wheel (if the
  # machine's pip config offers one) for which no torchvision exists.
  log "installing torch===$TORCH_VERSION torchvision===$TORCHVISION_VERSION from the package registry"
  "${PIPC[@]}" -q "torch===$TORCH_VERSION" "torchvision===$TORCHVISION_VERSION"
  pair="$(torch_ok)" || die "torch/torchvision do not import after installation"
  log "torch/torchvision: $pair"
fi
TORCH_TAG="$("$PY" -c 'import torch, sys; print(f"torch{torch.__version__}-py{sys.version_info.major}{sys.version_info.minor}")')"

# ---------------------------------------------------------------- mmcv with ops
if "$PY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  log "mmcv $MMCV_VERSION with ops already importable"
else
  WHEEL_DIR="$CACHE_DIR/wheels/$TORCH_TAG${FORCE_NPU:+-npu}"
  mkdir -p "$WHEEL_DIR"
  wheel="$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
  if [[ -z "$wheel" ]]; then
    log "building mmcv $MMCV_VERSION with ops for $TORCH_TAG (about 15 min on 2 cores; cached afterwards in $WHEEL_DIR)"
    "${PIPC[@]}" -q addict yapf pyyaml pillow opencv-python "mmengine==0.10.7"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" quiet_pip wheel -q --no-cache-dir --no-build-isolation \
      --no-deps -c "$CONSTRAINTS" -w "$WHEEL_DIR" "mmcv==$MMCV_VERSION"
    wheel="$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl | head -n1)"
  else
    log "reusing cached mmcv wheel $wheel"
  fi
  "${PIPC[@]}" -q "$wheel"
fi

# ---------------------------------------------------------------- the rest of the stack
log "OpenMMLab runtime dependencies (pinned by $CONSTRAINTS)"
"${PIPC[@]}" -q -r "$HERE/requirements.txt"
log "mmdet and mmpose without their declared dependencies (chumpy cannot be built and is not needed)"
"${PIPC[@]}" -q --no-deps "mmdet==3.3.0" "mmpose==1.3.2"
log "openmim without its openxlab chain (it pins setuptools~=60.2, requests~=2.28, rich~=13.4)"
"${PIPC[@]}" -q --no-deps "openmim==0.3.9"
"${PIPC[@]}" -q click colorama model-index pandas rich tabulate requests

# ---------------------------------------------------------------- xtcocotools against the final numpy
# Last, so that no later pip call changes numpy under it. Its PyPI wheels are compiled against numpy 1.x and fail
# under numpy 2 ("numpy.dtype size changed"); the source package builds in about 10 s. No pip cache: a wheel cached
# from a build against another numpy would come back.
if "$PY" -c "import xtcocotools._mask, xtcocotools.coco" 2>/dev/null; then
  log "xtcocotools imports with numpy $("$PY" -c 'import numpy; print(numpy.__version__)')"
else
  log "building xtcocotools from its source package against numpy $("$PY" -c 'import numpy; print(numpy.__version__)')"
  "${PIPC[@]}" -q --force-reinstall --no-deps --no-cache-dir --no-build-isolation --no-binary xtcocotools \
    "xtcocotools==1.14.3"
fi

log "mmpose_ext (editable)"
"${PIPC[@]}" -q --no-deps --no-build-isolation -e "$ROOT"

"$PY" - <<'EOF'
import numpy, torch, mmcv, mmcv.ops, mmengine, mmpose, mmpose.models, mmpose.visualization, xtcocotools.coco
import mmpose_ext
print(f"[install] ok: torch {torch.__version__}, numpy {numpy.__version__}, mmengine {mmengine.__version__}, "
      f"mmcv {mmcv.__version__} (ops), mmpose {mmpose.__version__}, mmpose_ext {mmpose_ext.__version__}")
EOF
echo "$HASH" > "$STAMP"
log "done in $((SECONDS - start)) s"
}

main "$@"
