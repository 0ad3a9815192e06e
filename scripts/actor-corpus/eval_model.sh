#!/usr/bin/env bash
# Every held-out figure of one model folder, as JSON files in OUT/: the actor-stance corpus's test
# and validation splits (overall, per actor group, per source, sentences with two or more actors),
# NewsMTSC's validation part (as `stance train` holds it out), SST-2 valid.tsv, TweetEval val, and
# the behavioural suite, and the judge sets (data/judge-sets: AG News and State of the Union pairs,
# report only) and the selection set (data/selection-set: more of the same text, for choosing) where
# `scripts/judge-sets/build.py [--selection]` has written them to target/judge/ and target/selection/.
# The figures of MODEL_CARD.md come from these files (scripts/actor-corpus/eval_table.py prints the
# tables).
#
# Usage: bash scripts/actor-corpus/eval_model.sh MODEL_DIR OUT_DIR [--precision P]
set -euo pipefail
model="$1"; out="$2"; shift 2
S="${STANCE_BIN:-target/release/stance}"
D="${STANCE_DATA:-../shared/data}"
mkdir -p "$out"
"$S" eval --model "$model" "$@" data/actor-stance/corpus.jsonl --split test > "$out/actor-test.json"
"$S" eval --model "$model" "$@" data/actor-stance/corpus.jsonl --split validation > "$out/actor-validation.json"
"$S" eval --model "$model" "$@" "$D/newsmtsc/train.jsonl" --split validation > "$out/newsmtsc-validation.json"
"$S" eval --model "$model" "$@" "$D/sst2/valid.tsv" "$D/tweeteval-sentiment/val" > "$out/sentiment.json"
"$S" eval --model "$model" "$@" tests/behaviour/suite.jsonl > "$out/behaviour.json"
echo "wrote $out/{actor-test,actor-validation,newsmtsc-validation,sentiment,behaviour}.json" >&2
for kind in judge selection; do
    for set in news speeches; do
        if [[ -s "target/$kind/$set.jsonl" ]]; then
            "$S" eval --model "$model" "$@" "target/$kind/$set.jsonl" --split test > "$out/$kind-$set.json"
            echo "wrote $out/$kind-$set.json" >&2
        fi
    done
done
