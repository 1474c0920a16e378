#!/bin/sh
# tests/mpi.sh: nnsweep --mpi under mpirun -- rank 0 hands the points to the
# other ranks; every point ends complete and bit-identical to the same sweep
# run with -j 2; a diverging point and a point that fails at run time neither
# abort the job nor stop the others.  Skips (77) only without mpirun.
. "$top_srcdir/tests/setup.sh"
NNSWEEP=$top_builddir/src/nnsweep
MPIRUN=${MPIRUN:-mpirun}
if [ "$MPIRUN" = no ] || ! command -v "$MPIRUN" >/dev/null 2>&1; then
  echo "SKIP: mpirun not found: apt-get install openmpi-bin libopenmpi-dev, then ./configure --with-mpi"
  exit 77
fi
# mpi NP ARGS...: nnsweep ARGS under mpirun with NP ranks (root, 2 cores: both allowed)
mpi() {
  np=$1
  shift
  # Open MPI leaks at MPI_Finalize from components it has unloaded, which no
  # suppression can name: no leak check under mpirun in an ASan build.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    "$MPIRUN" --allow-run-as-root --oversubscribe -np "$np" "$NNSWEEP" "$@"
}

make_tiny "$tmp/tiny"
tiny_base "$tmp/base.yaml"
for s in quick:mpi-out quickref:ref-out; do
  cat >"$tmp/${s%%:*}.yaml" <<EOT
spec: base.yaml
set: {train.epochs: 40}
grid:
  train.lambda: [0, 0.001]
  seed: {range: [1, 4]}
output: {dir: ${s#*:}}
EOT
done
# 2 seeds x (a good point, a diverging one, one whose batch exceeds the
# train split: an error found only when the run loads its data)
cat >"$tmp/mixed.yaml" <<EOT
spec: base.yaml
set: {train.epochs: 20}
grid:
  seed: [1, 2]
zip:
  train.lr: [2.0, 1.0e+30, 2.0]
  train.batch: [25, 25, 151]
output: {dir: mixed-out}
EOT
cd "$tmp"

expect 0 "$NNSWEEP" --help
expect_in "$tmp/out" "--mpi" || { echo "nnsweep --help lacks --mpi: not written yet?" >&2; finish; exit 1; }

# Built without MPI: --mpi says how to get it, and that is all there is to test.
if ! grep -q '^#define HAVE_MPI 1' "$top_builddir/config.h"; then
  expect 2 "$NNSWEEP" --mpi quick.yaml
  expect_in "$tmp/err" "apt-get install libopenmpi-dev openmpi-bin"
  expect_in "$tmp/err" "--with-mpi"
  finish
  exit $?
fi

# ---- a farm of 3 ranks (2 workers): every point complete, the same as -j 2
expect 0 "$NNSWEEP" -q -j 2 quickref.yaml
t0=$(date +%s)
expect 0 mpi 3 --mpi quick.yaml
echo "6 points on 3 ranks: $(($(date +%s) - t0)) s"
n=0
for f in ref-out/*.h5; do
  g=mpi-out/$(basename "$f")
  st=$(h5status "$g")
  [ "$st" = complete ] && pass || fail "$g: status '$st', expected complete"
  [ -f "$g" ] && same_run "$f" "$g"
  n=$((n + 1))
done
[ "$n" -eq 6 ] && pass || fail "the reference has $n points, expected 6"
expect 0 "$NNSWEEP" --list quick.yaml
[ "$(grep "\.h5" "$tmp/out" | grep -c complete)" -eq 6 ] && pass ||
  { fail "--list does not show 6 complete points"; cat "$tmp/out" >&2; }

# ---- diverged is a result, a failed point is not: exit 1, nothing aborted
expect 1 mpi 3 --mpi mixed.yaml
cat "$tmp/out" "$tmp/err" >"$tmp/all"
if grep -qiE 'MPI_ABORT|aborting|job aborted' "$tmp/all"; then
  fail "the MPI job was aborted"
  grep -iE 'abort' "$tmp/all" | head -5 >&2
else
  pass
fi
check_mixed() {
  nc=0 nd=0 nf=0
  for f in mixed-out/*.h5; do
    [ -f "$f" ] || continue
    st=$(h5status "$f")
    case $f in
    *train.batch=151*) fail "$f: a failing point wrote a results file (status '$st')" ;;
    *train.lr=1e+30*) [ "$st" = diverged ] && nd=$((nd + 1)) || fail "$f: status '$st', expected diverged" ;;
    *) [ "$st" = complete ] && nc=$((nc + 1)) || fail "$f: status '$st', expected complete" ;;
    esac
  done
  [ "$nc" -eq 2 ] && [ "$nd" -eq 2 ] && pass ||
    fail "mixed-out: $nc complete and $nd diverged points, expected 2 and 2: $(ls mixed-out)"
  expect 0 "$NNSWEEP" --list mixed.yaml
  [ "$(grep "\.h5" "$tmp/out" | grep -c complete)" -eq 2 ] && [ "$(grep "\.h5" "$tmp/out" | grep -c diverged)" -eq 2 ] &&
    [ "$(grep "\.h5" "$tmp/out" | grep -c failed)" -eq 2 ] && pass ||
    { fail "--list does not show 2 complete, 2 diverged, 2 failed points"; cat "$tmp/out" >&2; }
}
check_mixed
# Again on one rank, which then runs the points itself: the failed points are
# retried (and fail again), the others are skipped.
expect 1 mpi 1 --mpi mixed.yaml
check_mixed
finish
