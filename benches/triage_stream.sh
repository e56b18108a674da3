#!/usr/bin/env bash
# Times `frontline triage --json` as a whole process on 200,000 stdin lines, for the default pack and
# the generated 500-intent pack, alternating a baseline binary and a new one run back to back, and
# checks that both print the same bytes. Prints every run and the medians.
#
#   benches/triage_stream.sh BASELINE NEW [RUNS] [DIR]
#
# BASELINE and NEW are `frontline` binaries (e.g. a copy of an earlier build, and
# target/release/frontline); RUNS defaults to 5; DIR (default /tmp/triage-stream) receives the inputs
# from `NEW bench triage-stream` (the same bytes every time) and the outputs.
set -euo pipefail
base=$1
new=$2
runs=${3:-5}
dir=${4:-/tmp/triage-stream}
here=$(cd "$(dirname "$0")/.." && pwd)
"$new" bench triage-stream --intents "$here/intents" --out "$dir" > /dev/null
lines=$(wc -l < "$dir/default.txt")

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

for pack in default generated; do
    if [ "$pack" = default ]; then intents=$here/intents; else intents=$dir/generated-pack; fi
    # Identical output first (this run also warms the page cache).
    "$base" triage --json --intents "$intents" < "$dir/$pack.txt" > "$dir/$pack.base.out"
    "$new" triage --json --intents "$intents" < "$dir/$pack.txt" > "$dir/$pack.new.out"
    if cmp -s "$dir/$pack.base.out" "$dir/$pack.new.out"; then
        echo "$pack: outputs identical ($(wc -c < "$dir/$pack.new.out") bytes)"
    else
        echo "$pack: OUTPUTS DIFFER: diff $dir/$pack.base.out $dir/$pack.new.out"
        exit 1
    fi
    : > "$dir/$pack.base.times"
    : > "$dir/$pack.new.times"
    for i in $(seq "$runs"); do
        for which in base new; do
            bin=$base
            [ "$which" = new ] && bin=$new
            /usr/bin/time -f '%e %U %S %M' -o "$dir/time.tmp" \
                "$bin" triage --json --intents "$intents" < "$dir/$pack.txt" > /dev/null
            read -r wall user sys rss < "$dir/time.tmp"
            echo "$wall" >> "$dir/$pack.$which.times"
            printf '%s run %d %-4s %6.2f s wall, %6.2f s CPU, %4d MiB peak RSS, %8.0f decisions/s (load %s)\n' \
                "$pack" "$i" "$which" "$wall" "$(echo "$user + $sys" | bc)" $((rss / 1024)) \
                "$(echo "$lines / $wall" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
        done
    done
    b=$(median < "$dir/$pack.base.times")
    n=$(median < "$dir/$pack.new.times")
    printf '%s: median of %d, baseline %.2f s (%.0f/s), new %.2f s (%.0f/s), %.2fx\n' "$pack" "$runs" \
        "$b" "$(echo "$lines / $b" | bc -l)" "$n" "$(echo "$lines / $n" | bc -l)" "$(echo "$b / $n" | bc -l)"
done
