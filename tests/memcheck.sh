#!/bin/sh
# tests/memcheck.sh: nnrun, nneval and a resumed run under valgrind memcheck,
# on the tiny CSV data set: no invalid access, no leak.  (Skipped in
# sanitizer builds, which valgrind cannot run.)
. "$top_srcdir/tests/setup.sh"
if [ -n "${SAN_CFLAGS:-}" ]; then echo "SKIP: sanitizer build"; exit 77; fi
if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: valgrind is not installed (apt-get install valgrind)"
  exit 77
fi
make_tiny "$tmp/tiny"
cat >"$tmp/spec.yaml" <<EOT
name: memcheck
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 3, batch: 25, threads: 1}
EOT
vg() {
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect "$@"
}
expect 0 vg "$NNRUN" -q "$tmp/spec.yaml" -o "$tmp/a.h5" && cat "$tmp/err"
expect 0 vg "$NNEVAL" "$tmp/a.h5" && cat "$tmp/err"
expect 0 vg "$NNEVAL" --split dev --no-store "$tmp/a.h5" "$tmp/a.h5"
expect 0 vg "$NNRUN" -q "$tmp/spec.yaml" -o "$tmp/a.h5"       # up to date
expect 2 vg "$NNRUN" -q "$tmp/spec.yaml" train.lr=0.25 -o "$tmp/a.h5"  # refused: another spec
expect 2 vg "$NNRUN" -q "$tmp/spec.yaml" train.lr=-1          # bad override
expect 2 vg "$NNEVAL" "$tmp/spec.yaml"                         # not a results file
# an interrupted file, then its resumption
"$NNRUN" -q "$tmp/spec.yaml" train.epochs=60 -o "$tmp/b.h5" &
pid=$!
while [ ! -s "$tmp/b.h5" ]; do sleep 0.01; done
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
expect 2 vg "$NNRUN" -q "$tmp/spec.yaml" -o "$tmp/b.h5" && expect_in "$tmp/err" "unfinished run of another spec"
expect 0 vg "$NNRUN" "$tmp/spec.yaml" train.epochs=60 -o "$tmp/b.h5"
expect_in "$tmp/out" "resuming"
expect 1 vg "$NNRUN" -q "$tmp/spec.yaml" train.epochs=100000 train.lr=1e300 -o "$tmp/c.h5" # diverges
finish
