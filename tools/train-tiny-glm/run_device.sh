#!/usr/bin/env bash
# The whole training job in one command, for one GPU (the device machine, or any CUDA machine):
# two runs side by side on the same GPU (different dropout / length; the better held-out loss wins),
# then the export of the chosen checkpoint and the golden file.
#
#   python3 tools/train-tiny-glm/prepare_data.py                   # once, where spm_encode is
#   OUT=/tmp/glm-tiny bash tools/train-tiny-glm/run_device.sh [TRAIN_SECONDS]
#
# With the device tool (carry the tokenized data; the tokenizer travels in models/glm-tiny/):
#   run(command="OUT=$OUT bash tools/train-tiny-glm/run_device.sh 225",
#       carry=["tools/train-tiny-glm/data"], timeout_s=480)
# OUT gets model.safetensors, config.json, training.json, golden.json and train.log.
set -uo pipefail
export PYTHONUNBUFFERED=1
T0=$(date +%s.%N)
D=tools/train-tiny-glm
OUT=${OUT:-/tmp/glm-tiny-out}
BUDGET=${1:-225}
WORK=${WORK:-/tmp/glm-tiny-runs}
mkdir -p "$OUT" "$WORK"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c 'import torch, sentencepiece, safetensors, numpy; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "spm", sentencepiece.__version__, "safetensors", safetensors.__version__, "numpy", numpy.__version__)'
  python3 $D/train.py --name A --out "$WORK/A" --dropout 0.1 --epochs 25 --time-budget "$BUDGET" --workers 5 --seed 1234 &
  PA=$!
  python3 $D/train.py --name B --out "$WORK/B" --dropout 0.2 --epochs 80 --time-budget "$BUDGET" --workers 5 --seed 4321 &
  PB=$!
  wait $PA; echo "run A exit $?"
  wait $PB; echo "run B exit $?"
  python3 $D/export.py --runs "$WORK/A" "$WORK/B" --out "$OUT" --wall-start "$T0" &&
    python3 $D/golden.py --model "$OUT" --tokenizer models/glm-tiny/tokenizer.model --out "$OUT/golden.json"
  echo "total wall $(python3 -c "import time; print(round(time.time() - $T0, 1))") s"
} 2>&1 | tee "$OUT/train.log"
