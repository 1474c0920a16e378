#!/bin/sh
# tests/cli.sh: nnrun and nneval from the command line -- exit codes, the
# exact error messages of the spec fixtures, and whole runs on a tiny CSV data
# set made here (no MNIST needed).
. "$top_srcdir/tests/setup.sh"

make_tiny "$tmp/tiny"
cat >"$tmp/tiny.yaml" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 4, batch: 25, lr: 2.0, lambda: 0.001}
output: {dir: $tmp/runs}
EOT

# ---- options
expect 0 "$NNRUN" --help && expect_in "$tmp/out" "Spec keys:" && expect_in "$tmp/out" "train.lr"
expect 0 "$NNRUN" --version && expect_in "$tmp/out" "nnrun "
expect 0 "$NNEVAL" --help && expect_in "$tmp/out" "--split"
expect 2 "$NNRUN" && expect_err "nnrun: no spec file given; usage: nnrun [OPTIONS] SPEC.yaml [KEY=VALUE ...]"
expect 2 "$NNRUN" --bogus "$tmp/tiny.yaml" && expect_err "nnrun: unknown option '--bogus'; see nnrun --help"
expect 2 "$NNRUN" "$tmp/tiny.yaml" -o && expect_err "nnrun: -o needs an argument; see nnrun --help"
expect 2 "$NNRUN" "$tmp/nonexistent.yaml"
expect_in "$tmp/err" "$tmp/nonexistent.yaml"
expect 2 "$NNEVAL" && expect_err "nneval: no results file given; usage: nneval [OPTIONS] RESULT.h5 ..."
expect 2 "$NNEVAL" --split nope x.h5 && expect_err "nneval: --split: expected train, dev or test, got 'nope'"

# ---- every bad spec fixture: exit 2, its exact one-line message, nothing written
cd "$top_srcdir"
for spec in tests/specs/bad/*.yaml; do
  msg=$(cat "${spec%.yaml}.msg")
  expect 2 "$NNRUN" --dry-run "$spec" output.dir="$tmp/bad-runs" && expect_err "$msg" || echo "  in $spec" >&2
done
# ---- bad overrides on a valid spec
tab=$(printf '\t')
while IFS="$tab" read -r arg msg; do
  [ -n "$arg" ] || continue
  expect 2 "$NNRUN" --dry-run "$tmp/tiny.yaml" "$arg" && expect_err "nnrun: $msg" || echo "  for $arg" >&2
done <tests/specs/bad-overrides.txt
[ ! -e "$tmp/bad-runs" ] && pass || fail "a rejected spec created $tmp/bad-runs"
cd "$tmp"

# ---- dry run: the resolved spec as YAML, which reads back to itself
expect 0 "$NNRUN" --dry-run "$tmp/tiny.yaml" train.lr=0.5
cp "$tmp/out" "$tmp/resolved.yaml"
expect_in "$tmp/resolved.yaml" "lr: 0.5"
expect 0 "$NNRUN" --dry-run "$tmp/resolved.yaml"
cmp -s "$tmp/out" "$tmp/resolved.yaml" && pass || fail "dry-run output does not read back to itself"
[ ! -e "$tmp/runs" ] && pass || fail "--dry-run wrote $tmp/runs"
# every good spec fixture (lists, booleans, each optimizer) is valid, and its
# resolved YAML reads back to itself
for spec in "$top_srcdir"/tests/specs/good/*.yaml; do
  expect 0 "$NNRUN" --dry-run "$spec" data.dir="$tmp/tiny" data.format=csv || { echo "  in $spec" >&2; continue; }
  cp "$tmp/out" "$tmp/good.yaml"
  expect 0 "$NNRUN" --dry-run "$tmp/good.yaml" && { cmp -s "$tmp/out" "$tmp/good.yaml" && pass ||
    fail "$spec: dry-run output does not read back to itself"; }
done
expect 0 "$NNRUN" --dry-run "$top_srcdir/tests/specs/good/lists.yaml" data.dir="$tmp/tiny" data.format=csv
expect_in "$tmp/out" "  hidden: [256, 128]"
expect_in "$tmp/out" "  optimizer: adam"
expect_in "$tmp/out" "  epsilon: 1e-07"
expect_in "$tmp/out" "  shuffle: true"
grep -q momentum "$tmp/out" && fail "adam's resolved spec shows train.momentum" || pass
expect 0 "$NNRUN" --dry-run "$top_srcdir/tests/specs/good/momentum.yaml" data.dir="$tmp/tiny" data.format=csv
expect_in "$tmp/out" "  hidden: []"
expect_in "$tmp/out" "  nesterov: true"
grep -q beta "$tmp/out" && fail "momentum's resolved spec shows Adam's keys" || pass

# ---- data problems: named, exit 2, before any work
expect 2 "$NNRUN" "$tmp/tiny.yaml" data.dir="$tmp/nowhere"
expect_in "$tmp/err" "make data"
mkdir -p "$tmp/short"
cp "$tmp/tiny/"*.csv "$tmp/short/"
sed -i '5s/,[0-9]*$//' "$tmp/short/images_train.csv"
expect 2 "$NNRUN" "$tmp/tiny.yaml" data.dir="$tmp/short" && expect_in "$tmp/err" "images_train.csv"
expect_in "$tmp/err" "line 5"
expect 2 "$NNRUN" "$tmp/tiny.yaml" train.batch=151 &&
  expect_err "nnrun: command line 'train.batch=151': train.batch: expected at most the train split (150 images), got 151"
expect 2 "$NNRUN" "$tmp/tiny.yaml" data.dev_size=200 &&
  expect_err "nnrun: command line 'data.dev_size=200': data.dev_size: expected fewer than the 200 training images, got 200"
expect 2 "$NNRUN" "$tmp/tiny.yaml" -o "$tmp/no/such/dir/x.h5" &&
  expect_err "nnrun: cannot write $tmp/no/such/dir/x.h5: no such directory $tmp/no/such/dir"
expect 2 "$NNRUN" "$tmp/tiny.yaml" -o '' && expect_err "nnrun: -o '': expected a file name"
touch "$tmp/plainfile"
expect 2 "$NNRUN" "$tmp/tiny.yaml" output.dir="$tmp/plainfile/sub" &&
  expect_err "nnrun: output.dir: cannot create $tmp/plainfile/sub: Not a directory"
[ ! -e "$tmp/runs" ] && pass || fail "a rejected run created $tmp/runs"

# ---- a whole run: the file, its layout, and no temporary left behind
expect 0 "$NNRUN" "$tmp/tiny.yaml"
expect_in "$tmp/out" "epoch   4/4"
f=$tmp/runs/tiny.h5
[ -f "$f" ] && pass || fail "no $f"
[ -z "$(ls "$tmp/runs" | grep -v '^tiny.h5$')" ] && pass || fail "stray files in runs/: $(ls "$tmp/runs")"
h5ls -r "$f" >"$tmp/ls"
for obj in "/data/dev_index" "/data/train_index" "/metrics/dev_accuracy" "/metrics/objective" \
  "/metrics/seconds" "/model/W1" "/model/b1" "/model/W2" "/model/b2" "/spec" \
  "/test/accuracy" "/test/confusion" "/test/loss" "/test/n"; do
  expect_in "$tmp/ls" "$obj "
done
expect_re "$tmp/ls" "^/model/W1 +Dataset [{]16, 8[}]"
expect_re "$tmp/ls" "^/metrics/epoch +Dataset [{]4[}]"
expect_re "$tmp/ls" "^/data/train_index +Dataset [{]150[}]"
[ "$(h5value "$f" /test/n)" = 50 ] && pass || fail "/test/n is $(h5value "$f" /test/n)"
"$H5DUMP" -a /status "$f" | grep -q '"complete"' && pass || fail "status is not complete"

# ---- a complete run of the same spec is up to date; of another, refused
cp "$f" "$tmp/before.h5"
expect 0 "$NNRUN" "$tmp/tiny.yaml" && expect_in "$tmp/out" "up to date"
cmp -s "$f" "$tmp/before.h5" && pass || fail "an up-to-date run rewrote its file"
expect 2 "$NNRUN" "$tmp/tiny.yaml" train.lr=0.5 -o "$f" &&
  expect_err "nnrun: $f holds a complete run of another spec (train.lr: 2 in the file, 0.5 now); use --force to replace it or -o to write elsewhere"
echo "not hdf5" >"$tmp/foreign.h5"
expect 2 "$NNRUN" "$tmp/tiny.yaml" -o "$tmp/foreign.h5" && expect_in "$tmp/err" "is not an nnrun results file"
[ "$(cat "$tmp/foreign.h5")" = "not hdf5" ] && pass || fail "a foreign file was overwritten"
# --force replaces results files and empty files, never anything else
expect 2 "$NNRUN" -q --force "$tmp/tiny.yaml" -o "$tmp/foreign.h5" &&
  expect_err "nnrun: $tmp/foreign.h5 exists and is not an nnrun results file ($tmp/foreign.h5: not an HDF5 file); nnrun never replaces other files, even with --force: remove it or use -o to write elsewhere"
[ "$(cat "$tmp/foreign.h5")" = "not hdf5" ] && pass || fail "--force overwrote a foreign file"
: >"$tmp/empty.h5"
expect 0 "$NNRUN" -q --force "$tmp/tiny.yaml" -o "$tmp/empty.h5"
[ -s "$tmp/empty.h5" ] && pass || fail "--force did not replace an empty file"

# ---- determinism: the same spec twice gives the same weights and metrics
expect 0 "$NNRUN" -q --force "$tmp/tiny.yaml" -o "$tmp/again.h5"
for obj in /model/W1 /model/b1 /model/W2 /model/b2 /metrics/train_loss /metrics/dev_accuracy \
  /metrics/objective /test/confusion; do
  "$H5DIFF" "$f" "$tmp/again.h5" "$obj" >/dev/null && pass || fail "$obj differs between two runs"
done

# ---- nneval reproduces what nnrun recorded, exactly
cp "$f" "$tmp/copy.h5"
before=$(h5value "$f" /test/accuracy)
expect 0 "$NNEVAL" "$tmp/copy.h5" && expect_in "$tmp/out" "confusion"
[ "$(h5value "$tmp/copy.h5" /test/accuracy)" = "$before" ] && pass || fail "nneval changed /test/accuracy"
"$H5DIFF" "$f" "$tmp/copy.h5" /test >/dev/null && pass || fail "nneval's /test differs from nnrun's"
cp "$f" "$tmp/nostore.h5"
expect 0 "$NNEVAL" --no-store --split dev "$tmp/nostore.h5" && expect_in "$tmp/out" "dev loss"
cmp -s "$f" "$tmp/nostore.h5" && pass || fail "--no-store changed the file"
expect 0 "$NNEVAL" -n "$f" "$tmp/again.h5"
[ "$(wc -l <"$tmp/out")" -eq 2 ] && pass || fail "two files should give two lines"
expect 2 "$NNEVAL" "$tmp/foreign.h5" && expect_in "$tmp/err" "$tmp/foreign.h5"
expect 2 "$NNEVAL" "$tmp/missing.h5" && expect_in "$tmp/err" "$tmp/missing.h5"
expect 2 "$NNEVAL" -n "$f" "$tmp/missing.h5"  # the good file is still evaluated
[ "$(wc -l <"$tmp/out")" -eq 1 ] && pass || fail "the good file was not reported"

# ---- zero epochs: the initial model, saved and tested
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" train.epochs=0 -o "$tmp/zero.h5"
h5ls -r "$tmp/zero.h5" >"$tmp/ls"
expect_re "$tmp/ls" "^/metrics/epoch +Dataset [{]0[}]"
expect_in "$tmp/ls" "/test/accuracy"

# ---- under a low address-space limit (issue 10, item 8): one line and exit
# 1 before any work, where OpenBLAS's threads, retrying a 128 MiB buffer
# the limit refuses, hung nnrun and nneval for good (timeout could not end
# them).  A sanitizer build cannot run under ulimit -v at all; another BLAS
# maps no such buffers.
# ulimited FLAG KIB CMD...: CMD under ulimit FLAG KIB, killed after 60 s
ulimited() { timeout -s KILL 60 sh -c 'ulimit "$1" "$2"; shift 2; exec "$@"' sh "$@"; }
limited() { ulimited -v "$@"; }
if [ -z "${SAN_CFLAGS:-}" ] && "$NNRUN" --version | grep -q OpenBLAS; then
  expect 1 limited 204800 "$NNRUN" -q "$tmp/tiny.yaml" -o "$tmp/limited.h5"
  expect_re "$tmp/err" "^nnrun: the address-space limit [(]ulimit -v 204800[)] is too small: this run needs about [0-9]+ MiB [(][0-9]+ MiB mapped now, [0-9]+ MiB for its buffers, [0-9]+ MiB for [0-9]+ BLAS threads?[)]; raise it to ulimit -v [0-9]+ or more"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] && pass || fail "the address-space message is not one line"
  [ ! -e "$tmp/limited.h5" ] && pass || fail "a refused run wrote $tmp/limited.h5"
  # --dry-run makes the run's check: the same line and exit status, no YAML
  # (issue 10, item 19: it said "would write" and exited 0)
  cp "$tmp/err" "$tmp/err.run"
  expect 1 limited 204800 "$NNRUN" -n "$tmp/tiny.yaml" -o "$tmp/limited.h5"
  cmp -s "$tmp/err" "$tmp/err.run" && pass ||
    fail "the dry run under ulimit -v 204800 said '$(cat "$tmp/err")', the run '$(cat "$tmp/err.run")'"
  [ ! -s "$tmp/out" ] && pass || fail "a dry run refused for the address space printed its YAML"
  # and passes where the run fits
  expect 1 limited 204800 "$NNRUN" -q -j 1 "$tmp/tiny.yaml" -o "$tmp/limited.h5"
  kib=$(sed -n 's/.*raise it to ulimit -v \([0-9]*\) or more.*/\1/p' "$tmp/err")
  expect 0 limited "$kib" "$NNRUN" -n -j 1 "$tmp/tiny.yaml" -o "$tmp/limited.h5" &&
    expect_in "$tmp/err" "would write $tmp/limited.h5"
  # it loads the data as the run does then, and reports the data's refusals
  expect 2 limited "$kib" "$NNRUN" -n -j 1 "$tmp/tiny.yaml" data.dev_size=200 -o "$tmp/limited.h5" &&
    expect_err "nnrun: command line 'data.dev_size=200': data.dev_size: expected fewer than the 200 training images, got 200"
  [ ! -e "$tmp/limited.h5" ] && pass || fail "a dry run under ulimit -v wrote $tmp/limited.h5"
  expect 1 limited 204800 "$NNEVAL" -n "$tmp/nostore.h5"
  expect_re "$tmp/err" "^nneval: the address-space limit [(]ulimit -v 204800[)] is too small: "
  # the programs that need no BLAS threads run as usual: OpenBLAS no longer
  # starts a thread per core as it loads (each hung them at exit, even --help)
  for p in nnrun nneval nncompare nnplot nnsweep; do
    expect 0 limited 204800 "$top_builddir/src/$p" --help || echo "  $p --help under ulimit -v 204800" >&2
  done
  expect 0 limited 204800 "$top_builddir/src/nncompare" "$tmp/nostore.h5"
  # the limit it asks for is enough, on one BLAS thread and on two
  for j in 1 2; do
    expect 1 limited 204800 "$NNRUN" -q -j $j "$tmp/tiny.yaml" -o "$tmp/limited.h5"
    kib=$(sed -n 's/.*raise it to ulimit -v \([0-9]*\) or more.*/\1/p' "$tmp/err")
    expect 0 limited "$kib" "$NNRUN" -q -j $j "$tmp/tiny.yaml" -o "$tmp/limited.h5" || echo "  under ulimit -v $kib, -j $j" >&2
    "$H5DUMP" -a /threads "$tmp/limited.h5" | grep -q "(0): $j\$" && pass || fail "-j $j under ulimit -v: threads attribute is not $j"
    rm -f "$tmp/limited.h5"
    expect 1 limited 204800 "$NNEVAL" -q -j $j -n "$tmp/nostore.h5"
    kib=$(sed -n 's/.*raise it to ulimit -v \([0-9]*\) or more.*/\1/p' "$tmp/err")
    expect 0 limited "$kib" "$NNEVAL" -q -j $j -n "$tmp/nostore.h5" || echo "  nneval under ulimit -v $kib, -j $j" >&2
  done
  # ulimit -d (RLIMIT_DATA counts private maps since Linux 4.7; Torque and
  # systemd's LimitDATA set it) hung the same way, with no message
  limited_d() { ulimited -d "$@"; }
  for j in 1 2; do
    expect 1 limited_d 102400 "$NNRUN" -q -j $j "$tmp/tiny.yaml" -o "$tmp/limited.h5"
    expect_re "$tmp/err" "^nnrun: the data-segment limit [(]ulimit -d 102400[)] is too small: this run needs about [0-9]+ MiB"
    kib=$(sed -n 's/.*raise it to ulimit -d \([0-9]*\) or more.*/\1/p' "$tmp/err")
    expect 0 limited_d "$kib" "$NNRUN" -q -j $j "$tmp/tiny.yaml" -o "$tmp/limited.h5" || echo "  under ulimit -d $kib, -j $j" >&2
    rm -f "$tmp/limited.h5"
  done
  expect 1 limited_d 102400 "$NNEVAL" -n "$tmp/nostore.h5"
  expect_re "$tmp/err" "^nneval: the data-segment limit [(]ulimit -d 102400[)] is too small: "
  # an empty environment has no room for the setting OpenBLAS must see as it
  # loads: the program starts itself again with it (it hung at exit before)
  expect 0 limited 204800 env -i "$top_builddir/src/nncompare" "$tmp/nostore.h5"
  expect_in "$tmp/out" "complete"
  expect 1 limited 204800 env -i "$NNRUN" -q "$tmp/tiny.yaml" -o "$tmp/limited.h5"
  expect_re "$tmp/err" "^nnrun: the address-space limit [(]ulimit -v 204800[)] is too small: "
  # no variable is hidden from the libraries as they load (OPENBLAS_VERBOSE
  # was, as the last entry of an environment without '_'), and the programs
  # nnplot starts see the environment it was given
  expect 0 limited 1048576 env -i A=1 OPENBLAS_VERBOSE=2 "$NNRUN" --version
  expect_in "$tmp/err" "Core: "
  mkdir -p "$tmp/envgp"
  printf '#!/bin/sh\nenv >"%s"\n' "$tmp/envgp/env" >"$tmp/envgp/gnuplot"
  chmod +x "$tmp/envgp/gnuplot"
  for user in "" OPENBLAS_NUM_THREADS=3; do
    expect 1 limited 1048576 env -i PATH="$tmp/envgp:/usr/bin:/bin" MYVAR=x $user \
      "$top_builddir/src/nnplot" -q -o "$tmp/envplots" "$tmp/nostore.h5"
    want="MYVAR=x PATH=$tmp/envgp:/usr/bin:/bin PWD=$PWD $user"
    got=$(grep -v '^$' "$tmp/envgp/env" | sort | tr '\n' ' ')
    [ "$got" = "$(echo $want | tr ' ' '\n' | sort | tr '\n' ' ')" ] && pass ||
      fail "under ulimit -v, gnuplot saw '$got', not '$want'"
  done
fi

# ---- no dev split (issue 10, item 13): NaN dev metrics in the file, '-' on
# screen, and no divergence for their NaN
expect 0 "$NNRUN" "$tmp/tiny.yaml" data.dev_size=0 -o "$tmp/nodev.h5"
expect_re "$tmp/out" "^epoch   4/4  train loss [0-9.]+ acc [0-9.]+  dev loss - acc -  "
[ "$(h5value "$tmp/nodev.h5" /metrics/dev_loss)" = "nan,nan,nan,nan" ] && pass ||
  fail "dev_loss without a dev split: $(h5value "$tmp/nodev.h5" /metrics/dev_loss), expected nan x 4"
[ "$(h5value "$tmp/nodev.h5" /metrics/dev_accuracy)" = "nan,nan,nan,nan" ] && pass ||
  fail "dev_accuracy without a dev split: $(h5value "$tmp/nodev.h5" /metrics/dev_accuracy)"
expect 0 "$NNEVAL" -n "$tmp/nodev.h5"
expect 2 "$NNEVAL" --split dev "$tmp/nodev.h5"
expect_err "nneval: $tmp/nodev.h5: the run has no dev split (data.dev_size 0)"

# ---- divergence: status diverged, exit 1, a hint
expect 1 "$NNRUN" -q "$tmp/tiny.yaml" train.lr=1e300 -o "$tmp/diverged.h5"
expect_in "$tmp/err" "smaller learning rate"
"$H5DUMP" -a /status "$tmp/diverged.h5" | grep -q '"diverged"' && pass || fail "status is not diverged"

# ---- a diverged file keeps the last finite epoch and says which diverged
# (issue 10, item 11): lambda 4.7 at lr 2 makes the weight decay alone grow
# the weights 9.4-fold a step; the L2 term overflows in epoch 21.
expect 1 "$NNRUN" -q "$tmp/tiny.yaml" train.lambda=4.7 train.epochs=30 -o "$tmp/div21.h5"
expect_in "$tmp/err" "diverged in epoch 21: the weight decay alone is unstable"
expect_in "$tmp/err" "(the file keeps the parameters of epoch 20)"
"$H5DUMP" -a /diverged_epoch "$tmp/div21.h5" | grep -q '(0): 21$' && pass || fail "diverged_epoch is not 21"
"$H5DUMP" -a /diverged_cause "$tmp/div21.h5" | grep -q 'weight decay alone is unstable' && pass ||
  fail "diverged_cause does not say what blew up"
[ "$(h5value "$tmp/div21.h5" /metrics/epoch | awk -F, '{print NF}')" -eq 20 ] && pass ||
  fail "a diverged file should hold the 20 finite epochs"
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" train.lambda=4.7 train.epochs=20 -o "$tmp/e20.h5"
for obj in /model /metrics/train_loss /optimizer; do
  "$H5DIFF" "$tmp/e20.h5" "$tmp/div21.h5" $obj >/dev/null && pass ||
    fail "$obj of the diverged file is not that of epoch 20"
done
"$H5DUMP" -d /model "$tmp/div21.h5" | grep -qiE 'nan|inf' && fail "the diverged file kept non-finite parameters" || pass
# nneval refuses it (exit 2, one line) unless --diverged
expect 2 "$NNEVAL" "$tmp/div21.h5"
expect_in "$tmp/err" "nneval: $tmp/div21.h5: the run diverged in epoch 21: "
expect_in "$tmp/err" "its file keeps the parameters of epoch 20: use --diverged to evaluate them anyway"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && pass || fail "nneval's diverged message is not one line"
"$H5DUMP" -g /test "$tmp/div21.h5" >/dev/null 2>&1 && fail "nneval stored /test in a diverged file" || pass
expect 0 "$NNEVAL" --diverged "$tmp/div21.h5"
expect_re "$tmp/out" "test loss [0-9]+[.][0-9]+ accuracy 0[.][0-9]+"
expect 0 "$NNEVAL" --help && expect_in "$tmp/out" "--diverged"
# a diverged file of an older nnrun (no diverged_epoch): its parameters are
# those that blew up, and nneval says so
cp "$tmp/e20.h5" "$tmp/olddiv.h5"
expect 0 "$top_builddir/tests/resedit" "$tmp/olddiv.h5" status=diverged notest
expect 2 "$NNEVAL" "$tmp/olddiv.h5"
expect_err "nneval: $tmp/olddiv.h5: the run diverged in epoch 21, and its file (from an older nnrun) holds the parameters that blew up: use --diverged to evaluate them anyway"

# ---- what blew up and the key to lower (issue 10, item 18): the weight
# decay alone unstable names train.lambda first; a loss that blows up with
# a stable decay asks for a smaller learning rate only
expect 1 "$NNRUN" -q "$tmp/tiny.yaml" train.lambda=1e10 -o "$tmp/div-lambda.h5"
expect_in "$tmp/err" ": the weight decay alone is unstable (train.lambda x train.lr = 2e+10, above 1 for sgd): the weights, the L2 term and the train loss ("
expect_in "$tmp/err" ") blew up; lower train.lambda below 0.5, or use a smaller learning rate than train.lr=2 (below 1e-10)"
expect 1 "$NNRUN" -q "$tmp/tiny.yaml" train.lambda=1e10 train.optimizer=momentum train.lr=0.1 -o "$tmp/div-mom.h5"
expect_in "$tmp/err" "above 1.9 for sgd with momentum 0.9): the weights, the L2 term"
expect 1 "$NNRUN" -q "$tmp/tiny.yaml" train.lr=1e300 train.lambda=1e-305 -o "$tmp/div-w.h5"
expect_in "$tmp/err" "diverged in epoch 1: the weights grew without bound (|W|^2 is not finite; the train loss is "
expect_in "$tmp/err" "); try a smaller learning rate than train.lr=1e+300 (the file keeps the initial parameters)"
expect 1 "$NNRUN" -q "$tmp/tiny.yaml" train.lr=1e300 train.lambda=0 model.activation=relu -o "$tmp/div-lr.h5"
expect_in "$tmp/err" "diverged in epoch 1: the train loss (nan) is not finite; try a smaller learning rate than train.lr=1e+300 (the file keeps the initial parameters)"

finish
