#!/bin/sh
# tests/runs.sh: run names and locks (DESIGN.md Part 2).  The same command
# names the same file and a second time is "up to date"; overrides that change
# the spec name the file, sorted, escaped, cut with a hash when too long; one
# writer per results file -- a second nnrun or nneval stops at once naming the
# holder; a killed run shows as killed and resumes bit-identical; a planted
# link or FIFO is refused without harm; stale temporary files are removed by
# the lock holder only.
. "$top_srcdir/tests/setup.sh"
# every check runs even after one failed: the failures are counted by finish
set +e
NNCOMPARE=$top_builddir/src/nncompare
NNSWEEP=$top_builddir/src/nnsweep
host=$(hostname)
make_tiny "$tmp/tiny"
cat >"$tmp/spec.yaml" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 4, batch: 25, lr: 2, lambda: 0.001}
output: {dir: $tmp/runs}
EOT
cd "$tmp" || exit 1
runs=$tmp/runs

# ---- names: one spec, one file
expect 0 "$NNRUN" -q spec.yaml
[ -f "$runs/tiny.h5" ] && pass || fail "nnrun spec.yaml did not write runs/tiny.h5: $(ls "$runs" 2>&1)"
expect 0 "$NNRUN" -q spec.yaml train.lr=1
[ -f "$runs/tiny,train.lr=1.h5" ] && pass || fail "no runs/tiny,train.lr=1.h5: $(ls "$runs")"
cp "$runs/tiny.h5" plain.copy
cp "$runs/tiny,train.lr=1.h5" lr1.copy
expect 0 "$NNRUN" spec.yaml
expect_in "$tmp/out" "up to date"
# the message names the state of the file found, which is complete
expect_in "$tmp/out" "holds a complete run"
expect 0 "$NNRUN" spec.yaml train.lr=1
expect_in "$tmp/out" "up to date"
cmp -s "$runs/tiny.h5" plain.copy && pass || fail "an up-to-date nnrun changed runs/tiny.h5"
cmp -s "$runs/tiny,train.lr=1.h5" lr1.copy && pass || fail "an up-to-date nnrun changed runs/tiny,train.lr=1.h5"
[ -z "$(ls "$runs" | grep -v '\.h5$' || true)" ] && pass || fail "runs/ holds more than results files: $(ls "$runs")"

# a shell loop over values never collides: one file each, each its own lr
for lr in 0.5 1 1.5 3 0.25; do
  expect 0 "$NNRUN" -q spec.yaml "train.lr=$lr"
done
for lr in 0.5 1 1.5 3 0.25; do
  f=$runs/tiny,train.lr=$lr.h5
  if [ -f "$f" ]; then
    got=$("$H5DUMP" -a /spec/train.lr -y -w 0 "$f" 2>/dev/null | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n')
    # h5dump may print the attribute as a string or as a number
    awk -v a="$got" -v b="$lr" 'BEGIN { gsub(/"/, "", a); exit !(a + 0 == b + 0) }' && pass ||
      fail "$(basename "$f"): /spec train.lr is '$got', expected $lr"
  else
    fail "the loop wrote no $(basename "$f")"
  fi
done

# an override equal to the spec's own value changes nothing: the plain name (of a
# complete run here, which a dry run reports as up to date)
expect 0 "$NNRUN" -n spec.yaml train.lr=2.0
expect_in "$tmp/err" "dry run: $runs/tiny.h5 is up to date"
expect 0 "$NNRUN" spec.yaml train.lr=2.0
expect_in "$tmp/out" "up to date"
# train.threads and output.dir are left out of the name
expect 0 "$NNRUN" -n spec.yaml train.threads=1
expect_in "$tmp/err" "dry run: $runs/tiny.h5 is up to date"
expect 0 "$NNRUN" -n spec.yaml --threads 1 train.lr=1
expect_in "$tmp/err" "dry run: $runs/tiny,train.lr=1.h5 is up to date"
mkdir other
expect 0 "$NNRUN" -q spec.yaml output.dir=other train.threads=1
[ -f other/tiny.h5 ] && pass || fail "output.dir=other train.threads=1 did not write other/tiny.h5: $(ls other)"
same_run "$runs/tiny.h5" other/tiny.h5
# several overrides are sorted by key, whatever their order on the command line
expect 0 "$NNRUN" -n spec.yaml train.lr=0.5 seed=5 model.hidden=9
expect_in "$tmp/err" "would write $runs/tiny,model.hidden=9,seed=5,train.lr=0.5.h5"
expect 0 "$NNRUN" -n spec.yaml model.hidden=9 train.lr=0.5 seed=5
expect_in "$tmp/err" "would write $runs/tiny,model.hidden=9,seed=5,train.lr=0.5.h5"
# values in their canonical text: 0.50 and 5e-1 are 0.5
expect 0 "$NNRUN" -n spec.yaml train.lr=5e-1
expect_in "$tmp/err" "dry run: $runs/tiny,train.lr=0.5.h5 is up to date"
# a list in its canonical text: [256, 128] and 256-128 are one file, one layer
# is the plain number (so [8] is the spec's own 8), and [] is escaped
expect 0 "$NNRUN" -n spec.yaml 'model.hidden=[256, 128]'
expect_in "$tmp/err" "would write $runs/tiny,model.hidden=256-128.h5"
expect 0 "$NNRUN" -n spec.yaml model.hidden=256-128
expect_in "$tmp/err" "would write $runs/tiny,model.hidden=256-128.h5"
expect 0 "$NNRUN" -n spec.yaml 'model.hidden=[8]'
expect_in "$tmp/err" "dry run: $runs/tiny.h5 is up to date"
expect 0 "$NNRUN" -n spec.yaml 'model.hidden=[]'
expect_in "$tmp/err" "would write $runs/tiny,model.hidden=%5B%5D.h5"
# the new keys at their defaults change nothing; booleans are true or false
expect 0 "$NNRUN" -n spec.yaml train.optimizer=sgd train.shuffle=false model.init=normal
expect_in "$tmp/err" "dry run: $runs/tiny.h5 is up to date"
expect 0 "$NNRUN" -n spec.yaml train.shuffle=true
expect_in "$tmp/err" "would write $runs/tiny,train.shuffle=true.h5"
expect 0 "$NNRUN" -n spec.yaml train.optimizer=momentum train.momentum=0.90
expect_in "$tmp/err" "would write $runs/tiny,train.optimizer=momentum.h5"
expect 2 "$NNRUN" -n spec.yaml train.momentum=0.5 &&
  expect_err "nnrun: command line 'train.momentum=0.5': train.momentum: only used when train.optimizer is momentum, but train.optimizer is sgd (the default)"
# name= sets the name outright
expect 0 "$NNRUN" -q spec.yaml name=foo train.lr=1
[ -f "$runs/foo.h5" ] && pass || fail "name=foo did not write runs/foo.h5: $(ls "$runs")"
# a value that needs escaping: '/' is %2F
mkdir -p data2
cp tiny/* data2/
expect 0 "$NNRUN" -q spec.yaml data.dir=./data2
[ -f "$runs/tiny,data.dir=.%2Fdata2.h5" ] && pass || fail "data.dir=./data2: no runs/tiny,data.dir=.%2Fdata2.h5: $(ls "$runs")"
# a very long override: a data.dir of 300 characters (the data copied into a
# deep folder) gives a name cut to size that ends with +h and 12 hex digits
deep=$tmp/deep
while [ ${#deep} -lt 300 ]; do deep=$deep/$(printf '%050d' ${#deep}); done
deep=$(printf '%.300s' "$deep")
deep=${deep%/}
mkdir -p "$deep"
cp tiny/* "$deep/"
echo "a data.dir of ${#deep} characters"
expect 0 "$NNRUN" -q spec.yaml "data.dir=$deep"
long=$(ls "$runs" | grep '^tiny,data.dir=%2F' || true)
echo "its results file: $long (${#long} bytes)"
if [ "$(printf '%s\n' "$long" | grep -c .)" -ne 1 ]; then
  fail "data.dir of ${#deep} characters: expected one results file, got '$long'"
else
  pass
  printf '%s\n' "$long" | grep -qE '\+h[0-9a-f]{12}\.h5$' && pass || fail "'$long' does not end with +h and 12 hex digits"
  tmpname="$long.tmp~$host~4194304"
  [ ${#tmpname} -le 255 ] && pass || fail "'$tmpname' is ${#tmpname} bytes, more than 255"
  expect 0 "$NNRUN" spec.yaml "data.dir=$deep"
  expect_in "$tmp/out" "up to date"
  # another long dir, the same up to the cut: another hash, another file
  deep2=${deep%?}x
  mkdir -p "$deep2"
  cp tiny/* "$deep2/"
  expect 0 "$NNRUN" -q spec.yaml "data.dir=$deep2"
  [ "$(ls "$runs" | grep -c '^tiny,data.dir=%2F')" -eq 2 ] && pass ||
    fail "two long data.dir values that differ at the end share a file: $(ls "$runs" | grep '^tiny,data.dir=%2F')"
fi
# ---- results files made before the model and optimizer keys existed: their
# /spec lacks train.shuffle and train.optimizer (and knows no lists), and they
# are the same spec as today's -- a complete one is up to date, an unfinished
# one resumes to the end of an uninterrupted run
H5EDIT=$top_builddir/tests/h5edit
RESEDIT=$top_builddir/tests/resedit
"$NNRUN" --dry-run spec.yaml 2>/dev/null | grep -v -e '^  shuffle: false$' -e '^  optimizer: sgd$' >old-spec.yaml
grep -q 'hidden: 8$' old-spec.yaml && ! grep -q -e optimizer -e shuffle old-spec.yaml && pass ||
  fail "old-spec.yaml is not the resolved spec of before: $(cat old-spec.yaml)"
cp plain.copy old.h5
expect 0 "$H5EDIT" old.h5 text /spec "$(cat old-spec.yaml)"
expect 0 "$NNRUN" spec.yaml -o old.h5
expect_in "$tmp/out" "up to date"
cmp -s old.h5 "$runs/tiny.h5" && fail "old.h5 is a copy of today's file" || pass
expect 0 "$NNRUN" -q spec.yaml train.epochs=2 -o old2.h5
expect 0 "$RESEDIT" old2.h5 status=interrupted
expect 0 "$H5EDIT" old2.h5 text /spec "$(cat old-spec.yaml)"
expect 0 "$NNRUN" spec.yaml -o old2.h5
expect_in "$tmp/out" "resuming old2.h5 after epoch 2 of 4"
same_run "$runs/tiny.h5" old2.h5

# --force trains again
cp "$runs/tiny.h5" before-force.copy
sleep 1 # the creation time has whole seconds
expect 0 "$NNRUN" --force spec.yaml
expect_in "$tmp/out" "test loss"
cmp -s "$runs/tiny.h5" before-force.copy && fail "--force did not write runs/tiny.h5 again" || pass
same_run before-force.copy "$runs/tiny.h5"

# ---- two writers: the second stops at once and names the first
cat >"$tmp/slow.yaml" <<EOT
name: slow
seed: 9
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 12}
train: {epochs: 400, batch: 10, lr: 1.0, lambda: 0.001, threads: 1}
EOT
expect 0 "$NNRUN" -q slow.yaml train.epochs=600 -o "$tmp/ref600.h5"
X=$tmp/X.h5
"$NNRUN" -q slow.yaml train.epochs=600 -o "$X" >"$tmp/first.out" 2>&1 &
first=$!
i=0
while [ ! -e "$X.lock" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
expect 2 "$NNRUN" -q slow.yaml train.lr=1 -o "$X"
since=$(sed -n 's/^since //p' "$X.lock" 2>/dev/null || true)
expect_err "nnrun: $X is being written by nnrun (pid $first on $host, since $since)"
printf '%s\n' "$since" | grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' && pass || fail "the lock file's 'since' is '$since'"
# nneval storing /test: also a writer
i=0
while [ ! -s "$X" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
expect 2 "$NNEVAL" "$X"
expect_in "$tmp/err" "$X is being written by nnrun (pid $first on $host"
# a reader needs no lock
expect 0 "$NNEVAL" --no-store --split dev "$X"
kill -0 "$first" 2>/dev/null && pass || fail "the first nnrun ended before the second writers were tried: the run is too short"
wait "$first"
code=$?
[ "$code" -eq 0 ] && pass || { fail "the first nnrun: exit $code"; cat "$tmp/first.out" >&2; }
[ "$(h5status "$X")" = complete ] && pass || fail "X.h5: status $(h5status "$X")"
same_run "$tmp/ref600.h5" "$X"
[ ! -e "$X.lock" ] && pass || fail "X.h5.lock is left after the run"
[ -z "$(ls "$tmp" | grep '^X.h5.tmp~' || true)" ] && pass || fail "temporary files left: $(ls "$tmp" | grep '^X.h5')"

# ---- a killed run: status running, lock free -> "killed after epoch k"; resumes
expect 0 "$NNRUN" -q slow.yaml -o "$tmp/ref.h5"
K=$tmp/killed.h5
"$NNRUN" -q slow.yaml -o "$K" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -s "$K" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
sleep 0.1
kill -KILL "$pid" 2>/dev/null || :
wait "$pid" 2>/dev/null || :
st=$(h5status "$K")
if [ "$st" = running ]; then
  pass
  expect 0 "$NNCOMPARE" --no-group "$K"
  expect_re "$tmp/out" 'killed after epoch [0-9]+'
  k=$(sed -n 's/.*killed after epoch \([0-9]*\).*/\1/p' "$tmp/out" | head -1)
  echo "killed after epoch $k"
  expect 0 "$NNRUN" "$tmp/slow.yaml" -o "$K"
  expect_in "$tmp/out" "resuming $K after epoch $k"
  same_run "$tmp/ref.h5" "$K"
else
  fail "killed.h5: status '$st' after a SIGKILL mid-run, expected running"
fi
# the same through a sweep's --list: a point killed mid-run
mkdir sw
cat >sw/base.yaml <<EOT
name: slow
seed: 9
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 12}
train: {epochs: 400, batch: 10, lr: 1.0, lambda: 0.001, threads: 1}
EOT
printf 'spec: base.yaml\ngrid:\n  seed: [9]\noutput: {dir: %s}\n' "$tmp/sw/out" >sw/one.yaml
expect 0 "$NNSWEEP" --list sw/one.yaml
P=$(grep -o '[^ ]*\.h5' "$tmp/out" | head -1)
mkdir -p sw/out
"$NNRUN" -q sw/base.yaml seed=9 -o "$P" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -s "$P" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
sleep 0.1
kill -KILL "$pid" 2>/dev/null || :
wait "$pid" 2>/dev/null || :
expect 0 "$NNSWEEP" --list sw/one.yaml
expect_re "$tmp/out" 'killed after epoch [0-9]+'

# ---- a planted link at X.h5.lock: refused, nothing written through it
L=$tmp/L.h5
echo "precious" >"$tmp/target"
ln -s "$tmp/target" "$L.lock"
expect 2 "$NNRUN" -q slow.yaml -o "$L"
expect_in "$tmp/err" "$L"
[ "$(cat "$tmp/target")" = precious ] && pass || fail "nnrun wrote through the link $L.lock"
[ -L "$L.lock" ] && pass || fail "the planted link $L.lock was removed or replaced"
[ ! -e "$L" ] && pass || fail "nnrun wrote $L without its lock"
# a link to a file that does not exist yet: not created through the link
ln -s "$tmp/made-through-link" "$tmp/M.h5.lock"
expect 2 "$NNRUN" -q slow.yaml -o "$tmp/M.h5"
[ ! -e "$tmp/made-through-link" ] && pass || fail "nnrun created the target of the link M.h5.lock"
# an nneval of a complete file whose lock is a link: refused the same way
cp "$tmp/ref.h5" "$tmp/E.h5"
ln -s "$tmp/target" "$tmp/E.h5.lock"
expect 2 "$NNEVAL" "$tmp/E.h5"
[ "$(cat "$tmp/target")" = precious ] && pass || fail "nneval wrote through the link E.h5.lock"

# ---- a FIFO at the results path: no hang, exit 2
mkfifo "$tmp/F.h5"
expect 2 timeout 10 "$NNRUN" -q slow.yaml -o "$tmp/F.h5"
expect_in "$tmp/err" "$tmp/F.h5"
expect 2 timeout 10 "$NNEVAL" "$tmp/F.h5"
expect 2 timeout 10 "$NNEVAL" --no-store "$tmp/F.h5"
[ -p "$tmp/F.h5" ] && pass || fail "the FIFO F.h5 was replaced without --force"
expect 2 timeout 10 "$NNRUN" -q --force slow.yaml -o "$tmp/F.h5" &&
  expect_err "nnrun: $tmp/F.h5 exists and is not a regular file (a link, FIFO or device); nnrun never replaces one, even with --force: remove it or use -o to write elsewhere"
[ -p "$tmp/F.h5" ] && pass || fail "the FIFO F.h5 was replaced with --force"
# a FIFO at the lock path: no hang, exit 2
mkfifo "$tmp/G.h5.lock"
expect 2 timeout 10 "$NNRUN" -q slow.yaml -o "$tmp/G.h5"

# ---- temporary files: removed by the lock holder only, never by a reader
T=$tmp/T.h5
"$NNRUN" -q slow.yaml -o "$T" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -s "$T" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
sleep 0.1
kill -KILL "$pid" 2>/dev/null || :
wait "$pid" 2>/dev/null || :
echo stale >"$T.tmp~otherhost~123"
expect 0 "$NNCOMPARE" --no-group "$T" "$tmp/ref.h5"
expect 0 "$NNEVAL" --no-store --split dev "$T"
[ -f "$T.tmp~otherhost~123" ] && pass || fail "a reader (nncompare, nneval --no-store) removed T.h5.tmp~otherhost~123"
# and a sweep's --list
printf 'spec: base.yaml\ngrid:\n  seed: [9, 10]\noutput: {dir: %s}\n' "$tmp/sw/out2" >sw/two.yaml
mkdir -p sw/out2
expect 0 "$NNSWEEP" --list sw/two.yaml
for f in $(grep -o '[^ ]*\.h5' "$tmp/out"); do
  echo stale >"$f.tmp~otherhost~123"
done
mkdir -p sw/out2
expect 0 "$NNSWEEP" --list sw/two.yaml
n=$(ls sw/out2 | grep -c '\.tmp~otherhost~123$' || true)
[ "$n" -eq 2 ] && pass || fail "nnsweep --list removed temporary files: $(ls sw/out2)"
# the next run (the lock holder) removes it, resumes, and ends bit-identical
if [ "$(h5status "$T")" = running ]; then
  expect 0 "$NNRUN" -q slow.yaml -o "$T"
  same_run "$tmp/ref.h5" "$T"
else
  fail "T.h5: status $(h5status "$T") after a kill, expected running"
fi
[ ! -e "$T.tmp~otherhost~123" ] && pass || fail "the next run left T.h5.tmp~otherhost~123"
[ -z "$(ls "$tmp" | grep '^T.h5.tmp~' || true)" ] && pass || fail "temporary files left: $(ls "$tmp" | grep '^T.h5')"
# --force on a complete file: the writer removes them too
echo stale >"$runs/tiny.h5.tmp~otherhost~123"
expect 0 "$NNRUN" -q --force spec.yaml
[ ! -e "$runs/tiny.h5.tmp~otherhost~123" ] && pass || fail "nnrun --force left tiny.h5.tmp~otherhost~123"

finish
