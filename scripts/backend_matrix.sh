#!/usr/bin/env bash
# The backend matrix: the test suite on Keras 3's JAX and PyTorch backends, and the Keras 2 (tf_keras) tests.
#
#   bash scripts/backend_matrix.sh            # full: the whole suite on JAX and on PyTorch, then the tf_keras tests
#   bash scripts/backend_matrix.sh --subset   # what .ci/run runs: -m backend_subset on both backends, then tf_keras
#
# Full: one virtual environment per extra (.venv-jax, .venv-torch, .venv-legacy: pip install -e ".[test,<extra>]"),
# so each extra is shown to be enough on its own. Subset: one environment with all three (.venv-backends), to
# install TensorFlow once. Environments are reused when they exist (pip then installs nothing new).
# The TensorFlow backend is the main suite's (README's second command). Extra pytest arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=3
mode=full
if [[ "${1:-}" == "--subset" ]]; then
  mode=subset
  shift
fi

venv() {  # venv NAME EXTRAS: create .venv-NAME (if missing) and install the project with EXTRAS into it
  local dir=".venv-$1"
  local start=$SECONDS
  [[ -x "$dir/bin/python" ]] || python3 -m venv "$dir"
  "$dir/bin/pip" install -q -e ".[$2]" >&2
  echo "== $dir ready (.[$2]) in $((SECONDS - start)) s" >&2
  echo "$dir"
}

run() {  # run LABEL PYTHON ENV... -- PYTEST-ARGS...: one pytest run, timed
  local label=$1 python=$2
  shift 2
  local envs=()
  while [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
  shift
  local start=$SECONDS
  echo "== $label"
  env "${envs[@]}" "$python" -m pytest "$@"
  echo "== $label: passed in $((SECONDS - start)) s"
}

if [[ "$mode" == "subset" ]]; then
  py="$(venv backends test,jax,torch,legacy)/bin/python"
  # Fewer hypothesis examples (10, not 200): building a layer traces it through the backend, several times slower.
  # --dist load: the few slow files (attention, recurrent) would otherwise keep one worker busy alone.
  run "PyTorch backend, -m backend_subset" "$py" KERAS_BACKEND=torch HYPOTHESIS_PROFILE=backend -- \
    -m backend_subset -n 2 --dist load -q "$@"
  run "JAX backend, -m backend_subset" "$py" KERAS_BACKEND=jax HYPOTHESIS_PROFILE=backend -- \
    -m backend_subset -n 2 --dist load -q "$@"
  run "Keras 2 (tf_keras), -m legacy" "$py" KERAS_BACKEND=tensorflow -- -m legacy -n 2 -q "$@"
else
  for backend in torch jax; do
    py="$(venv "$backend" "test,$backend")/bin/python"
    run "$backend backend, whole suite" "$py" KERAS_BACKEND="$backend" -- -n 2 "$@"
  done
  py="$(venv legacy test,legacy)/bin/python"
  run "Keras 2 (tf_keras), -m legacy" "$py" KERAS_BACKEND=tensorflow -- -m legacy -n 2 "$@"
fi
