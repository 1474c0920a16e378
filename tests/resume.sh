#!/bin/sh
# tests/resume.sh: a run killed (SIGKILL at random moments, SIGINT, SIGTERM)
# leaves no file or a valid one, and re-running the same command ends
# bit-identical to a run never interrupted (with SGD, and with momentum and
# Adam, whose state is saved too, under train.shuffle); a different spec is refused; a
# full disk or a vanished folder costs only the message.
. "$top_srcdir/tests/setup.sh"
make_tiny "$tmp/tiny"
cat >"$tmp/spec.yaml" <<EOT
name: resume
seed: 9
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 12}
train: {epochs: 400, batch: 10, lr: 1.0, lambda: 0.001, threads: 1}
EOT
run() { "$NNRUN" -q "$tmp/spec.yaml" -o "$@"; }

start=$(date +%s.%N)
expect 0 run "$tmp/reference.h5"
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "an uninterrupted run takes ${took}s"

# ---- SIGKILL at random moments: no file or a valid one; then resume
seed=${RESUME_SEED:-$$}
echo "random kill delays from seed $seed"
for trial in 1 2 3 4 5 6; do
  f=$tmp/kill$trial.h5
  delay=$(awk -v s="$seed" -v t="$trial" -v T="$took" 'BEGIN { srand(s + t); printf "%.3f", rand() * 0.9 * T }')
  # nnrun itself in the background (a backgrounded shell function would be a subshell)
  "$NNRUN" -q "$tmp/spec.yaml" -o "$f" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  status=
  if [ -e "$f" ]; then
    status=$(h5status "$f")
    expect 0 "$NNEVAL" --no-store --split dev "$f" || echo "  after a kill at ${delay}s" >&2
    echo "trial $trial: killed at ${delay}s, file status '$status'"
  else
    echo "trial $trial: killed at ${delay}s, before the first write"
  fi
  if [ "${status:-}" = complete ]; then
    same_run "$tmp/reference.h5" "$f" # it finished before the kill
  else
    expect 0 run "$f" && same_run "$tmp/reference.h5" "$f"
  fi
  [ "$(h5status "$f")" = complete ] && pass || fail "trial $trial: not complete after resuming"
  status=
  leftovers=$(ls "$tmp" | grep "^kill$trial.h5.tmp~" || true)
  [ -z "$leftovers" ] && pass || fail "temporary files left: $leftovers"
done

# ---- SIGINT and SIGTERM: stop at a batch boundary, status interrupted, exit 1
for sig in INT TERM; do
  f=$tmp/$sig.h5
  "$NNRUN" "$tmp/spec.yaml" -o "$f" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  while [ ! -s "$f" ]; do sleep 0.02; done
  sleep 0.2
  kill -"$sig" "$pid"
  set +e
  wait "$pid"
  code=$?
  set -e
  [ "$code" -eq 1 ] && pass || fail "SIG$sig: exit $code, expected 1"
  [ "$(h5status "$f")" = interrupted ] && pass || fail "SIG$sig: status $(h5status "$f")"
  expect_in "$tmp/err" "to resume, run the same command again: "
  expect 0 "$NNRUN" "$tmp/spec.yaml" -o "$f"
  expect_in "$tmp/out" "resuming $f after epoch"
  same_run "$tmp/reference.h5" "$f"
done

# ---- a resumed file never carries a stale /test (issue 10, item 12): nneval
# stores /test in an interrupted file; the run resumed and stopped again
# after more epochs must not keep that /test beside its newer model
epochs_of() { h5value "$1" /metrics/epoch | awk -F, '{print NF}'; }
f=$tmp/stale.h5
"$NNRUN" -q "$tmp/spec.yaml" -o "$f" 2>/dev/null &
pid=$!
while [ ! -s "$f" ]; do sleep 0.02; done
sleep 0.2
kill -INT "$pid"; set +e; wait "$pid"; set -e
e1=$(epochs_of "$f")
expect 0 "$NNEVAL" -q "$f"
"$H5DUMP" -g /test "$f" >/dev/null 2>&1 && pass || fail "nneval stored no /test in the interrupted file"
"$NNRUN" -q "$tmp/spec.yaml" -o "$f" 2>/dev/null &
pid=$!
while [ "$(epochs_of "$f")" -le "$e1" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
kill -INT "$pid" 2>/dev/null || true; set +e; wait "$pid"; set -e
if [ "$(h5status "$f")" = interrupted ] && [ "$(epochs_of "$f")" -gt "$e1" ]; then
  "$H5DUMP" -g /test "$f" >/dev/null 2>&1 && fail "the resumed file (epoch $(epochs_of "$f"), /test of epoch $e1) kept the stale /test" || pass
else
  echo "the resumed run ended ($(h5status "$f")) before it could be stopped: /test is its own"
fi
expect 0 run "$f" && same_run "$tmp/reference.h5" "$f"

# ---- a SIGTERM ends nnrun within seconds even when a library call never
# returns (issue 10, item 8: OpenBLAS threads retrying a buffer forever):
# cblas_dgemm replaced by one that never returns stalls the first batch; the
# watchdog armed by the signal ends the run after NNRUN_STOP_GRACE seconds,
# and a second signal at once.  The file keeps the last completed epoch.
if [ -z "${SAN_CFLAGS:-}" ] && printf '#include <unistd.h>\nvoid cblas_dgemm(void);\nvoid cblas_dgemm(void) { for (;;) pause(); }\n' >"$tmp/stall.c" &&
   ${CC:-cc} -shared -fPIC -o "$tmp/stall.so" "$tmp/stall.c" 2>/dev/null; then
  for second in no yes; do
    f=$tmp/stall-$second.h5
    LD_PRELOAD=$tmp/stall.so NNRUN_STOP_GRACE=3 "$NNRUN" -q "$tmp/spec.yaml" -o "$f" 2>"$tmp/err" &
    pid=$!
    (sleep 30; kill -KILL "$pid" 2>/dev/null) &  # what timeout(1) would do, without its own TERMs
    guard=$!
    while [ ! -s "$f" ]; do sleep 0.02; done
    sleep 0.2
    start=$(date +%s)
    kill -TERM "$pid"
    [ $second = yes ] && { sleep 0.2; kill -TERM "$pid"; }
    set +e; wait "$pid"; code=$?; set -e
    took=$(($(date +%s) - start))
    kill "$guard" 2>/dev/null || :
    [ "$code" -eq 1 ] && pass || fail "stalled run, second signal $second: exit $code, expected 1 (137: it had to be killed)"
    if [ $second = no ]; then
      expect_in "$tmp/err" "nnrun: the run made no progress for 3 s after the signal (a library call may be stuck); stopped at once; the results file holds the last completed epoch"
      [ "$took" -ge 2 ] && [ "$took" -le 10 ] && pass || fail "the watchdog ended the stalled run after ${took}s, expected about 3"
    else
      expect_in "$tmp/err" "nnrun: stopped at once; the results file holds the last completed epoch"
      [ "$took" -le 2 ] && pass || fail "a second SIGTERM ended the stalled run after ${took}s"
    fi
    expect 0 "$NNEVAL" --no-store --split dev "$f"
  done
else
  echo "SKIP: the stalled-library SIGTERM check (sanitizer build or no C compiler)"
fi

# ---- the watchdog ends only a run that makes no progress (issue 10, item
# 8): a slow but healthy evaluation is stopped at its next chunk, and a slow
# save runs to its end, however long both take beyond NNRUN_STOP_GRACE.  An
# LD_PRELOAD slows each cblas_dgemm of an evaluation chunk (1000 rows) or
# each fsync; the run then ends interrupted, its last completed epoch saved,
# no temporary file or lock left, and resumes bit-identical.
if [ -z "${SAN_CFLAGS:-}" ] && cat >"$tmp/slow.c" <<'EOT' &&
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
/* sleeps the microseconds in $VAR (when set), signals or not */
static void pause_for(const char *var) {
  const char *us = getenv(var);
  if (!us) return;
  const long n = atol(us);
  struct timespec t = {n / 1000000, n % 1000000 * 1000};
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &t) != 0) {}
}
typedef void gemm_fn(int, int, int, int, int, int, double, const double *, int, const double *,
                     int, double, double *, int);
void cblas_dgemm(int o, int ta, int tb, int m, int n, int k, double alpha, const double *a,
                 int lda, const double *b, int ldb, double beta, double *c, int ldc) {
  static gemm_fn *real;
  if (!real) *(void **)&real = dlsym(RTLD_NEXT, "cblas_dgemm");
  if (m == 1000 || n == 1000 || k == 1000) pause_for("SLOW_GEMM_US");
  real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
int fsync(int fd) {
  static int (*real)(int);
  if (!real) *(void **)&real = dlsym(RTLD_NEXT, "fsync");
  pause_for("SLOW_FSYNC_US");
  return real(fd);
}
EOT
   ${CC:-cc} -shared -fPIC -o "$tmp/slow.so" "$tmp/slow.c" -ldl 2>/dev/null; then
  mkdir -p "$tmp/big"
  make_csv 3000 1 "$tmp/big" train
  make_csv 50 3 "$tmp/big" test
  # the train split and the dev split: 3 evaluation chunks an epoch
  sed -e "s|dir: $tmp/tiny, format: csv, dev_size: 50|dir: $tmp/big, format: csv, dev_size: 1000|" \
      -e 's/epochs: 400, batch: 10/epochs: 3, batch: 100/' "$tmp/spec.yaml" >"$tmp/slow.yaml"
  expect 0 "$NNRUN" -q "$tmp/slow.yaml" -o "$tmp/slow-ref.h5"
  for what in evaluation save; do
    f=$tmp/slow-$what.h5
    if [ $what = evaluation ]; then
      # 2 x 0.3 s a chunk, 1.8 s an evaluation: longer than the grace
      SLOW_GEMM_US=300000 LD_PRELOAD=$tmp/slow.so NNRUN_STOP_GRACE=1 \
        "$NNRUN" -q "$tmp/slow.yaml" -o "$f" 2>"$tmp/err" &
    else
      # each save fsyncs the file and its folder: 3 s a save
      SLOW_FSYNC_US=1500000 LD_PRELOAD=$tmp/slow.so NNRUN_STOP_GRACE=1 \
        "$NNRUN" -q "$tmp/slow.yaml" -o "$f" 2>"$tmp/err" &
    fi
    pid=$!
    (sleep 60; kill -KILL "$pid" 2>/dev/null) &
    guard=$!
    if [ $what = evaluation ]; then
      # epoch 1 saved; epoch 2 trains in milliseconds, then evaluates
      until [ -s "$f" ] && [ "$(epochs_of "$f" 2>/dev/null || echo 0)" -ge 1 ]; do sleep 0.02; done
      sleep 0.4
    else
      # the first save renamed into place, now fsyncing its folder
      until [ -s "$f" ]; do sleep 0.02; done
      sleep 0.3
    fi
    start=$(date +%s.%N)
    kill -TERM "$pid"
    set +e; wait "$pid"; code=$?; set -e
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    kill "$guard" 2>/dev/null || :
    echo "slow $what: SIGTERM ended the run after ${took}s, exit $code"
    [ "$code" -eq 1 ] && pass || fail "slow $what: exit $code, expected 1"
    grep -q "made no progress" "$tmp/err" && fail "slow $what: the watchdog cut a healthy run short: $(cat "$tmp/err")" || pass
    [ "$(h5status "$f")" = interrupted ] && pass || fail "slow $what: status $(h5status "$f"), expected interrupted"
    expect_in "$tmp/err" "to resume, run the same command again: "
    if [ $what = evaluation ]; then
      [ "$(epochs_of "$f")" -eq 1 ] && pass || fail "slow evaluation: the file holds epoch $(epochs_of "$f"), expected 1"
      awk -v t="$took" 'BEGIN { exit !(t < 3) }' && pass || fail "a stop during an evaluation took ${took}s"
    fi
    leftovers=$(ls "$tmp" | grep "^slow-$what.h5.tmp~" || true)
    [ -z "$leftovers" ] && pass || fail "slow $what: temporary files left: $leftovers"
    [ ! -e "$f.lock" ] && pass || fail "slow $what: $f.lock left"
    expect 0 "$NNRUN" -q "$tmp/slow.yaml" -o "$f"
    same_run "$tmp/slow-ref.h5" "$f"
  done
else
  echo "SKIP: the slow-evaluation and slow-save SIGTERM checks (sanitizer build or no C compiler)"
fi

# ---- a second SIGINT stops at once; the file is still a valid epoch
f=$tmp/twice.h5
"$NNRUN" -q "$tmp/spec.yaml" -o "$f" 2>"$tmp/err" &
pid=$!
while [ ! -s "$f" ]; do sleep 0.02; done
sleep 0.2
kill -INT "$pid"; kill -INT "$pid" 2>/dev/null || true
set +e; wait "$pid"; code=$?; set -e
[ "$code" -eq 1 ] && pass || fail "double SIGINT: exit $code, expected 1"
expect 0 "$NNEVAL" --no-store --split dev "$f"
expect 0 run "$f" && same_run "$tmp/reference.h5" "$f"

# ---- momentum (Nesterov) and Adam, each with train.shuffle on a 2-hidden-layer
# relu network: SIGKILL at a random moment and SIGTERM (the partial epoch's
# optimizer state dropped with its weights), then resume: bit-identical to
# an uninterrupted run, /optimizer included
for opt in momentum adam; do
  if [ $opt = momentum ]; then
    set -- train.optimizer=momentum train.nesterov=true train.lr=0.05
  else
    set -- train.optimizer=adam train.lr=0.002
  fi
  set -- "$@" model.hidden=64-32 model.activation=relu model.init=he train.shuffle=true \
    train.epochs=60 train.batch=1
  expect 0 run "$tmp/$opt-ref.h5" "$@"
  for how in KILL TERM; do
    f=$tmp/$opt-$how.h5
    "$NNRUN" -q "$tmp/spec.yaml" -o "$f" "$@" >/dev/null 2>&1 &
    pid=$!
    while [ ! -s "$f" ]; do sleep 0.02; done
    sleep "$(awk -v s="$seed" -v t="$how$opt" 'BEGIN { srand(s + length(t)); printf "%.3f", 0.1 + rand() * 0.3 }')"
    kill -"$how" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$opt: SIG$how at status '$(h5status "$f")'"
    # the saved state is that of the saved epoch: 150 steps (batches of 1) each
    steps=$("$H5DUMP" -a /optimizer/steps "$f" | sed -n 's/^ *(0): //p')
    epochs=$(h5value "$f" /metrics/epoch | awk -F, '{ print NF }')
    [ "$steps" = "$((150 * epochs))" ] && pass ||
      fail "$opt after SIG$how: /optimizer steps $steps after $epochs epochs of 150 batches"
    expect 0 run "$f" "$@" && same_run "$tmp/$opt-ref.h5" "$f"
    "$H5DIFF" "$tmp/$opt-ref.h5" "$f" /optimizer >/dev/null && pass ||
      fail "$opt after SIG$how: /optimizer differs from the uninterrupted run's"
  done
done
# shuffle on changes the run; the same spec twice does not
"$H5DIFF" "$tmp/adam-ref.h5" "$tmp/adam-KILL.h5" /model >/dev/null && pass || fail "adam: not reproducible"
expect 0 run "$tmp/adam-noshuffle.h5" train.optimizer=adam train.lr=0.002 model.hidden=64-32 \
  model.activation=relu model.init=he train.epochs=60 train.batch=1
if "$H5DIFF" "$tmp/adam-ref.h5" "$tmp/adam-noshuffle.h5" /model >/dev/null; then
  fail "train.shuffle=true gave the same weights as false"
else
  pass
fi

# ---- a closed standard output (nnrun | head -1) does not lose the run: nnrun
# trains on quietly, ends complete and exits 0 (it died of SIGPIPE, status
# running)
f=$tmp/pipe.h5
{ code=0; "$NNRUN" "$tmp/spec.yaml" -o "$f" 2>"$tmp/pipe.err" || code=$?; echo $code >"$tmp/pipe.rc"; } |
  head -n 1 >/dev/null
[ "$(cat "$tmp/pipe.rc")" = 0 ] && pass || fail "nnrun | head -1: exit $(cat "$tmp/pipe.rc")"
[ "$(h5status "$f")" = complete ] && pass || fail "nnrun | head -1: status $(h5status "$f")"
[ ! -s "$tmp/pipe.err" ] && pass || fail "nnrun | head -1 said: $(cat "$tmp/pipe.err")"
same_run "$tmp/reference.h5" "$f"

# ---- an unfinished run of another spec is refused; --force starts over
f=$tmp/other.h5
"$NNRUN" -q "$tmp/spec.yaml" -o "$f" train.epochs=1000 >/dev/null 2>&1 &
pid=$!
while [ ! -s "$f" ]; do sleep 0.02; done
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
expect 2 run "$f" train.lr=0.5
expect_err "nnrun: $f holds an unfinished run of another spec (train.epochs: 1000 in the file, 400 now; train.lr: 1 in the file, 0.5 now); use --force to start over or -o to write elsewhere"
expect 0 run "$f" --force && same_run "$tmp/reference.h5" "$f"

# ---- disk full (a file-size limit): exit 1, the path named, the old file untouched
cp "$tmp/reference.h5" "$tmp/full.h5"
cp "$tmp/full.h5" "$tmp/full.copy"
expect 1 sh -c 'ulimit -f 4 && exec "$@"' sh "$NNRUN" -q --force "$tmp/spec.yaml" -o "$tmp/full.h5"
expect_in "$tmp/err" "$tmp/full.h5"
cmp -s "$tmp/full.h5" "$tmp/full.copy" && pass || fail "a failed write changed the complete file"
[ -z "$(ls "$tmp" | grep '^full.h5.tmp~' || true)" ] && pass || fail "a failed write left a temporary file"

# ---- the output folder vanishes during the run: exit 1, the path named
mkdir "$tmp/gone"
"$NNRUN" -q "$tmp/spec.yaml" train.epochs=100000 -o "$tmp/gone/run.h5" 2>"$tmp/err" &
pid=$!
while [ ! -s "$tmp/gone/run.h5" ]; do sleep 0.02; done
mv "$tmp/gone" "$tmp/moved" # the folder vanishes at once, whatever nnrun is writing
set +e; wait "$pid"; code=$?; set -e
[ "$code" -eq 1 ] && pass || fail "vanished folder: exit $code, expected 1"
expect_in "$tmp/err" "$tmp/gone/run.h5"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && pass || fail "vanished folder: more than one line: $(cat "$tmp/err")"

finish
