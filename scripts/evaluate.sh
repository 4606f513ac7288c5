#!/usr/bin/env bash
# Model-quality evaluation on data that lives outside the repository (../shared/datasets, or DEMAND_DATASETS),
# so ./test.sh stays self-contained on a fresh clone. Run after ./test.sh (it builds); CI does (.ci/run).
# Exits non-zero with a message when the data is missing or a floor is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

config="${DEMAND_CONFIGURATION:-Release}"
datasets="${DEMAND_DATASETS:-../shared/datasets}"
demand="src/Demand.Cli/bin/$config/net10.0/demand.dll"

if [ ! -f "$demand" ]; then
  echo "evaluate.sh: $demand not built; run ./test.sh (or ./scripts/setup.sh) first" >&2
  exit 2
fi

for f in semeval14/Laptops_Test_Gold.xml semeval14/Restaurants_Test_Gold.xml mams/MAMS-ATSA/test.xml chinese-absa; do
  if [ ! -e "$datasets/$f" ]; then
    echo "evaluate.sh: dataset missing: $datasets/$f (set DEMAND_DATASETS to the datasets folder)" >&2
    exit 2
  fi
done

# The shipped (learned) need miner through `demand mine`, next to the lexicon baseline, on real labelled reviews
# (docs/need-mining.md). A few minutes of CPU. Chinese floors are issue 13's targets (met). The English floors guard
# what the shipped model measured (laptops F1 0.674, restaurants 0.775, polarity accuracy 0.723 / 0.823): issue 13's
# targets (0.70 / 0.78 / 0.75) are NOT met yet — raise these to them with the model that meets them.
if ! dotnet "$demand" evaluate-miner --datasets "$datasets" \
    --min-laptops-f1 0.65 --min-restaurants-f1 0.75 --min-accuracy 0.70 \
    --min-zh-negative 0.70 --max-zh-positive 0.10; then
  echo "evaluate.sh: FAILED: the shipped need miner missed a floor (SemEval-14 aspect-term F1 laptops ≥ 0.65, restaurants ≥ 0.75, polarity accuracy ≥ 0.70; Chinese negative reviews with a negative aspect ≥ 0.70, positive reviews with one ≤ 0.10)" >&2
  exit 1
fi

echo "evaluate.sh: all floors met"
