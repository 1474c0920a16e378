#!/bin/sh
# tests/slurm.sh: nnsweep --slurm on a private single-node Slurm cluster
# (tests/slurm-local): a sweep submitted as one job array ends complete and
# bit-identical to the same sweep run here with -j 2; a task requeued while it
# runs resumes and still ends bit-identical; --print writes the batch script,
# safely quoted, without submitting.  Skips (77) only without the Slurm
# programs.
. "$top_srcdir/tests/setup.sh"
NNSWEEP=$top_builddir/src/nnsweep
PATH=$PATH:/usr/sbin:/sbin
for p in slurmctld slurmd sbatch squeue scontrol; do
  if ! command -v "$p" >/dev/null 2>&1; then
    echo "SKIP: $p not found: apt-get install slurmctld slurmd slurm-client" \
      "(or NNRUN_SLURM_DAEMONS=1 ./bootstrap)"
    exit 77
  fi
done
cluster=$tmp/cluster
trap 'sh "$top_srcdir/tests/slurm-local" stop "$cluster" || :; pkill -P $$ 2>/dev/null || :; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# ---- the sweeps: a tiny CSV spec, 6 quick points; 2 slow points for the requeue
make_tiny "$tmp/tiny"
tiny_base "$tmp/base.yaml"
quick_grid='  train.lambda: [0, 0.001]
  seed: {range: [1, 4]}'
sweep quick slurm-out '{train.epochs: 40}' "$quick_grid"
sweep quickref ref-out '{train.epochs: 40}' "$quick_grid"
slow_set='{train.epochs: 2000, train.batch: 1, model.hidden: 200}'
sweep slow slow-out "$slow_set" '  seed: [1, 2]'
sweep slowref slowref-out "$slow_set" '  seed: [1, 2]'
cd "$tmp"

expect 0 "$NNSWEEP" --help
for opt in --slurm --print --task; do
  expect_in "$tmp/out" "$opt" || { echo "nnsweep --help lacks $opt: not written yet?" >&2; finish; exit 1; }
done

# ---- the references, run here
expect 0 "$NNSWEEP" -q -j 2 quickref.yaml
expect 0 "$NNSWEEP" -q -j 2 slowref.yaml
[ "$(ls ref-out/*.h5 | wc -l)" -eq 6 ] && pass || fail "ref-out has $(ls ref-out | wc -l) files, expected 6"
[ -f "ref-out/seed=3,train.lambda=0.001.h5" ] && pass || fail "no ref-out/seed=3,train.lambda=0.001.h5: $(ls ref-out)"

# ---- the cluster
t0=$(date +%s)
sh "$top_srcdir/tests/slurm-local" start "$cluster" >"$tmp/conf" 2>"$tmp/start.err" || {
  cat "$tmp/start.err" >&2
  fail "tests/slurm-local start"
  finish
  exit 1
}
. "$tmp/conf"
export SLURM_CONF
echo "cluster idle after $(($(date +%s) - t0)) s"

# wait_jobs SECONDS: until squeue shows no job; fails (showing the queue and
# the logs) after SECONDS.
wait_jobs() {
  i=0
  while [ -n "$(squeue -h -o %i)" ]; do
    if [ "$i" -ge $(($1 * 5)) ]; then
      fail "jobs still queued after $1 s"
      squeue >&2
      tail -n 5 "$tmp"/*-out/logs/* >&2 2>/dev/null || :
      return 1
    fi
    sleep 0.2
    i=$((i + 1))
  done
  pass
}

# same_sweep REF OUT: every results file of REF complete in OUT and the same run.
same_sweep() {
  for f in "$1"/*.h5; do
    g=$2/$(basename "$f")
    st=$(h5status "$g")
    [ "$st" = complete ] && pass || fail "$g: status '$st', expected complete"
    [ -f "$g" ] && same_run "$f" "$g"
  done
}

# ---- a sweep as one job array: complete, and the same runs as here
t0=$(date +%s)
expect 0 "$NNSWEEP" --slurm -j 2 quick.yaml
job=$(squeue -h -o %F | sort -u | head -n 1)
[ -n "$job" ] && pass || fail "no job in the queue after nnsweep --slurm"
expect_in "$tmp/out" "$job"
wait_jobs 300
echo "6-point sweep on Slurm: $(($(date +%s) - t0)) s"
same_sweep ref-out slurm-out
[ -d slurm-out/logs ] && [ -n "$(ls slurm-out/logs)" ] && pass || fail "no logs in slurm-out/logs"
expect 0 "$NNSWEEP" --list quick.yaml
[ "$(grep "\.h5" "$tmp/out" | grep -c complete)" -eq 6 ] && pass ||
  { fail "--list does not show 6 complete points"; cat "$tmp/out" >&2; }
# all done: a second submission has nothing to submit
expect 0 "$NNSWEEP" --slurm -j 2 quick.yaml
[ -z "$(squeue -h -o %i)" ] && pass || fail "a complete sweep was submitted again"

# ---- a task requeued while it runs resumes and ends the same
t0=$(date +%s)
expect 0 "$NNSWEEP" --slurm -j 2 slow.yaml
job=$(squeue -h -o %F | sort -u | head -n 1)
# Task 0 is point seed=1: requeue it once its file holds an epoch or more.
first=slow-out/seed=1.h5
running=
i=0
while [ "$i" -lt 600 ]; do
  if [ "$(squeue -h -t R -o %i | grep -c "_0\$")" -eq 1 ] &&
    [ "$(h5status "$first" 2>/dev/null)" = running ]; then
    running=$first
    break
  fi
  sleep 0.1
  i=$((i + 1))
done
if [ -z "$running" ]; then
  fail "task 0 not running with an epoch done in $first after 60 s"
  squeue >&2
else
  task=${job}_0
  echo "requeue $task while it runs $first"
  expect 0 scontrol requeue "$task"
  wait_jobs 300
  scontrol show job "$task" >"$tmp/job" 2>&1 || :
  expect_re "$tmp/job" 'Restarts=[1-9]'
  same_sweep slowref-out slow-out
  expect 0 "$NNSWEEP" --list slow.yaml
  [ "$(grep "\.h5" "$tmp/out" | grep -c complete)" -eq 2 ] && pass ||
    { fail "--list does not show 2 complete points"; cat "$tmp/out" >&2; }
  echo "2-point sweep with a requeue: $(($(date +%s) - t0)) s"
fi

# ---- --print: the script, quoted for a folder with spaces and quotes; no job
odd="$tmp/we ird'\"dir"
mkdir -p "$odd"
cp base.yaml "$odd/"
sweep quick print-out '{train.epochs: 40}' "$quick_grid"
# a base name that is not a plain name needs name: (the file's name is free)
{ echo "name: print"; cat quick.yaml; } >"$odd/my sweep.yaml"
rm quick.yaml
expect 0 "$NNSWEEP" --slurm --print -j 3 "$odd/my sweep.yaml" -- --comment=nnrun-test
cp "$tmp/out" "$tmp/script"
expect_re "$tmp/script" '^#!'
expect_re "$tmp/script" '--array[= ]0-5%3'
expect_in "$tmp/script" "--requeue"
expect_in "$tmp/script" "--signal"
expect_in "$tmp/script" "--open-mode=append"
expect_in "$tmp/script" "print-out/logs"
expect_in "$tmp/script" "--comment=nnrun-test"
[ -z "$(squeue -h -o %i)" ] && pass || fail "--print submitted a job"
[ ! -e print-out ] || [ -z "$(ls print-out/*.h5 2>/dev/null)" ] && pass || fail "--print ran points"
# The script, run as Slurm would for task 4, runs point 4 of that sweep.
chmod +x "$tmp/script"
expect 0 env SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_JOB_ID=1 SLURM_JOB_ID=1 SLURM_SUBMIT_DIR="$tmp" \
  "$tmp/script"
[ "$(ls print-out/*.h5 2>/dev/null | wc -l)" -eq 1 ] && pass ||
  fail "the printed script run for task 4 made $(ls print-out/*.h5 2>/dev/null | wc -l) results files"
for f in print-out/*.h5; do
  [ -f "$f" ] && same_run "ref-out/$(basename "$f")" "$f"
done
finish
