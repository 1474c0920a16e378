#!/bin/sh
# tests/sweep.sh: nnsweep on this machine, on the tiny CSV data.  --list
# before and after; -j 2 ends with every point complete and bit-identical to
# nnrun run by hand with the same overrides; a second run skips everything;
# SIGKILL of nnsweep and its runs at random moments, then --list and a rerun,
# ends bit-identical; SIGINT saves the runs as interrupted and says how to
# resume; a failing point is retried and reported, a diverging one is a
# result; a bad sweep file or command line is exit 2; --task runs one point.
. "$top_srcdir/tests/setup.sh"
NNSWEEP=$top_builddir/src/nnsweep
# every check runs even after one failed: the failures are counted by finish
set +e
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_JOB_ID SLURM_JOB_ID
# the points of the --list in $tmp/out: "INDEX FILE VALUES..." a line
points() { awk '/^ *[0-9]+  .* -> / { v = ""; for (j = NF - 2; j > 0 && $j ~ /=/; j--) v = $j " " v
  print $1, $NF, v }'; }
# count_status WORD: lines of the --list in $tmp/out whose status starts with WORD
count_status() { grep -E '^ *[0-9]+  .* -> ' "$tmp/out" | awk -v w="$1" '$2 == w' | wc -l; }

make_tiny "$tmp/tiny"
tiny_base "$tmp/base.yaml"
grid='  train.lambda: [0, 0.001]
  seed: {range: [1, 4]}'
set_='{train.epochs: 150}'
sweep quick qout "$set_" "$grid"
cd "$tmp" || exit 1

# ---- --list before: six pending points, each with its file
expect 0 "$NNSWEEP" --list quick.yaml
cp "$tmp/out" list-before
[ "$(grep -c '\.h5' list-before)" -eq 6 ] && pass || { fail "--list before: not 6 lines with .h5"; cat list-before >&2; }
[ "$(count_status pending)" -eq 6 ] && pass || { fail "--list before: not 6 pending"; cat list-before >&2; }
expect_in list-before "6 points: 6 pending"
[ ! -e qout ] && pass || fail "--list created qout"
expect_in list-before "qout/seed=3,train.lambda=0.001.h5"

# ---- -j 2: every point complete
start=$(date +%s.%N)
expect 0 "$NNSWEEP" -j 2 quick.yaml
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "the sweep with -j 2 takes ${took}s"
threads=$(sed -n 's/.* \([0-9][0-9]*\) BLAS threads\{0,1\} each.*/\1/p' "$tmp/out")
[ -n "$threads" ] && pass || { fail "nnsweep -j 2 does not say the BLAS threads of each run"; cat "$tmp/out" >&2; threads=1; }
expect_in "$tmp/out" "6 of 6 points complete"
[ "$(ls qout/*.h5 | wc -l)" -eq 6 ] && pass || fail "qout/ has $(ls qout | grep -c '\.h5$') results files, expected 6"
mkdir hand
points <list-before >pts
[ "$(wc -l <pts)" -eq 6 ] && pass || { fail "cannot read the points of the --list"; cat pts >&2; }
while read -r idx file values; do
  st=$(h5status "$file")
  [ "$st" = complete ] && pass || fail "$file: status '$st', expected complete"
  # the same point run by hand: the base spec, set:, the point's values
  # shellcheck disable=SC2086
  expect 0 "$NNRUN" -q --threads "$threads" base.yaml train.epochs=150 $values -o "hand/$(basename "$file")" &&
    same_run "hand/$(basename "$file")" "$file"
done <pts
expect 0 "$NNSWEEP" --list quick.yaml
cp "$tmp/out" list-after
[ "$(count_status complete)" -eq 6 ] && pass || { fail "--list after: not 6 complete"; cat list-after >&2; }
expect_in list-after "6 points: 6 complete"
# the test accuracy of every point
[ "$(grep -E '^ *[0-9]+  .* -> ' list-after | awk '$3 ~ /^[01]\.[0-9]+$/' | wc -l)" -eq 6 ] && pass ||
  { fail "--list after does not show 6 test accuracies"; cat list-after >&2; }
# again: nothing to do, nothing touched
mkdir copies
cp qout/*.h5 copies/
t0=$(date +%s.%N)
expect 0 "$NNSWEEP" -j 2 quick.yaml
t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "the sweep again: ${t}s"
expect_in "$tmp/out" "6 points, 0 to run"
awk -v t="$t" 'BEGIN { exit !(t < 3) }' && pass || fail "running a complete sweep again takes ${t}s"
for f in copies/*.h5; do
  cmp -s "$f" "qout/$(basename "$f")" && pass || fail "running the sweep again changed qout/$(basename "$f")"
done

# ---- SIGKILL of nnsweep and its runs at random moments; --list; rerun
seed=${SWEEP_SEED:-$$}
echo "random kill delays from seed $seed"
for trial in 1 2 3; do
  sweep "kill$trial" "kill$trial" "$set_" "$grid"
  delay=$(awk -v s="$seed" -v t="$trial" -v T="$took" 'BEGIN { srand(s + t); printf "%.3f", rand() * 0.9 * T }')
  "$NNSWEEP" -q -j 2 "kill$trial.yaml" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  # nnsweep stopped first so that it starts nothing new; its runs (each in a
  # process group of its own) killed, then nnsweep: a machine lost at once
  kill -STOP "$pid" 2>/dev/null
  runs=$(pgrep -P "$pid" || true)
  pkill -KILL -P "$pid" 2>/dev/null
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # a killed process holds its lock until the kernel has torn it down, which
  # takes a moment under load or a sanitizer: --list once they are gone
  for r in $runs; do
    n=0
    # gone, or a zombie (its locks are released by then)
    while [ -e "/proc/$r" ] && [ "$(awk '{ print $3 }' "/proc/$r/stat" 2>/dev/null)" != Z ] &&
      [ $n -lt 200 ]; do
      sleep 0.05
      n=$((n + 1))
    done
  done
  expect 0 "$NNSWEEP" --list "kill$trial.yaml"
  echo "trial $trial: killed at ${delay}s: $(tail -1 "$tmp/out")"
  bad=$(grep -E '^ *[0-9]+  .* -> ' "$tmp/out" | awk '$2 != "pending" && $2 != "complete" && !($2 == "killed" && $3 == "after")')
  [ -z "$bad" ] && pass || { fail "trial $trial: --list after a SIGKILL shows other states:"; echo "$bad" >&2; }
  expect 0 "$NNSWEEP" -q -j 2 "kill$trial.yaml"
  for f in qout/*.h5; do
    g=kill$trial/$(basename "$f")
    [ "$(h5status "$g")" = complete ] && same_run "$f" "$g" || fail "trial $trial: $g: status '$(h5status "$g")'"
  done
  left=$(ls "kill$trial" | grep -e '\.tmp~' -e '\.lock$' || true)
  [ -z "$left" ] && pass || fail "trial $trial: left in kill$trial/: $left"
done

# ---- SIGINT to nnsweep alone: its runs save as interrupted; exit 1; rerun
slow_set='{train.epochs: 1000, train.batch: 10}'
sweep slowref slowref "$slow_set" '  seed: [1, 2]'
sweep slow slow "$slow_set" '  seed: [1, 2]'
expect 0 "$NNSWEEP" -q -j 2 slowref.yaml
"$NNSWEEP" -j 2 slow.yaml >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
i=0
while [ "$(ls slow 2>/dev/null | grep -c '\.h5$')" -lt 2 ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i + 1)); done
sleep 0.2
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 1 ] && pass || fail "SIGINT: nnsweep exit $code, expected 1"
expect_in "$tmp/int.err" "to resume, run the same command again: $NNSWEEP -j 2 slow.yaml"
nint=0
for f in slow/*.h5; do [ "$(h5status "$f")" = interrupted ] && nint=$((nint + 1)); done
[ "$nint" -ge 1 ] && pass || fail "SIGINT: no run saved as interrupted: $(for f in slow/*.h5; do echo "$f $(h5status "$f")"; done)"
expect 0 "$NNSWEEP" --list slow.yaml
[ "$(count_status interrupted)" -eq "$nint" ] && pass || { fail "--list does not show $nint interrupted points"; cat "$tmp/out" >&2; }
expect 0 "$NNSWEEP" -j 2 slow.yaml
for f in slowref/*.h5; do
  same_run "$f" "slow/$(basename "$f")"
done

# ---- a failing point, retried; a diverging point is a result
# 2 seeds x (a good point, a diverging one, one whose batch exceeds the train
# split of 150: an error found only when the run loads its data)
cat >mixed.yaml <<EOT
spec: base.yaml
set: {train.epochs: 20}
grid:
  seed: [1, 2]
zip:
  train.lr: [2.0, 1.0e+30, 2.0]
  train.batch: [25, 25, 151]
output: {dir: mixed}
EOT
expect 1 "$NNSWEEP" -j 2 --retries 1 mixed.yaml
cp "$tmp/err" mixed.err
expect_re mixed.err 'failed: .*train\.batch'
expect_re mixed.err 'retrying \(1 of 1\)'
[ "$(grep -c 'failed: ' mixed.err)" -eq 4 ] && pass || { fail "not 4 failures (2 points x 2 attempts) in stderr"; cat mixed.err >&2; }
expect 0 "$NNSWEEP" --list mixed.yaml
[ "$(count_status complete)" -eq 2 ] && [ "$(count_status diverged)" -eq 2 ] && [ "$(count_status failed:)" -eq 2 ] && pass ||
  { fail "--list does not show 2 complete, 2 diverged, 2 failed points"; cat "$tmp/out" >&2; }
expect_re "$tmp/out" 'failed: .*train\.batch'
# the diverging points alone with good ones: exit 0
cat >div.yaml <<EOT
spec: base.yaml
set: {train.epochs: 20}
grid:
  seed: [1, 2]
  train.lr: [2.0, 1.0e+30]
output: {dir: div}
EOT
expect 0 "$NNSWEEP" -j 2 div.yaml
expect_in "$tmp/out" "diverged"
expect 0 "$NNSWEEP" --list div.yaml
[ "$(count_status diverged)" -eq 2 ] && [ "$(count_status complete)" -eq 2 ] && pass ||
  { fail "div: --list does not show 2 diverged and 2 complete points"; cat "$tmp/out" >&2; }

# ---- a bad sweep file: exit 2, file:line:col, nothing run
printf 'spec: base.yaml\ngrid:\n  seed: [1, 2]\n  train.rl: [1, 2]\noutput: {dir: bad}\n' >bad.yaml
expect 2 "$NNSWEEP" -j 2 bad.yaml
expect_in "$tmp/err" "bad.yaml:4:3: train.rl: unknown key; did you mean 'train.lr'?"
expect 2 "$NNSWEEP" --list bad.yaml
[ ! -e bad ] && pass || fail "a bad sweep file created its output folder"

# ---- --task: one point
sweep task task "$set_" "$grid"
expect 0 "$NNSWEEP" --task 3 task.yaml
[ "$(ls task | grep -c '\.h5$')" -eq 1 ] && pass || fail "--task 3 wrote $(ls task | grep '\.h5$')"
expect 0 "$NNSWEEP" --list task.yaml
[ "$(grep -E '^ *[0-9]+  .* -> ' "$tmp/out" | awk '$1 == 3 && $2 == "complete"' | wc -l)" -eq 1 ] &&
  [ "$(count_status pending)" -eq 5 ] && pass || { fail "--task 3: point 3 not the only complete one"; cat "$tmp/out" >&2; }
f3=$(grep -E '^ *[0-9]+  .* -> ' "$tmp/out" | awk '$1 == 3 { print $NF }')
same_run "qout/$(basename "$f3")" "$f3"
expect 0 env SLURM_ARRAY_TASK_ID=2 "$NNSWEEP" --task task.yaml
expect 0 "$NNSWEEP" --list task.yaml
[ "$(grep -E '^ *[0-9]+  .* -> ' "$tmp/out" | awk '($1 == 2 || $1 == 3) && $2 == "complete"' | wc -l)" -eq 2 ] &&
  [ "$(count_status pending)" -eq 4 ] && pass || { fail "SLURM_ARRAY_TASK_ID=2 --task: point 2 not complete"; cat "$tmp/out" >&2; }
expect 0 "$NNSWEEP" --task 3 task.yaml # done already
expect 2 "$NNSWEEP" --task 99 task.yaml
expect_in "$tmp/err" "99"
expect 2 "$NNSWEEP" --task task.yaml # no SLURM_ARRAY_TASK_ID
expect 2 "$NNSWEEP" -j 0 quick.yaml
expect_in "$tmp/err" "--jobs"
expect 2 "$NNSWEEP" --print quick.yaml
expect_in "$tmp/err" "--slurm"
expect 2 "$NNSWEEP" --list --task 1 quick.yaml
expect 2 "$NNSWEEP"
expect 2 "$NNSWEEP" no-such-sweep.yaml
expect_in "$tmp/err" "no-such-sweep.yaml"
[ "$(ls task | grep -c '\.h5$')" -eq 2 ] && pass || fail "the bad command lines ran something: $(ls task)"

# ---- a closed output: nnsweep | head -1 finishes the sweep and exits as it
# would have, without a word (SIGPIPE killed it at the second line, exit 141,
# the sweep half done) (issue 10, item D)
sweep piped pout '{train.epochs: 30}' "$grid"
{ "$NNSWEEP" piped.yaml 2>"$tmp/piped.err"; echo $? >"$tmp/piped.rc"; } | head -1 >"$tmp/piped.out"
[ "$(cat "$tmp/piped.rc")" = 0 ] && pass || fail "nnsweep | head -1 exited $(cat "$tmp/piped.rc")"
[ ! -s "$tmp/piped.err" ] && pass || fail "nnsweep | head -1 said: $(cat "$tmp/piped.err")"
[ "$(wc -l <"$tmp/piped.out")" -eq 1 ] && pass || fail "head -1 got: $(cat "$tmp/piped.out")"
expect 0 "$NNSWEEP" --list piped.yaml && expect_in "$tmp/out" "6 points: 6 complete"

finish
