#!/bin/sh
# tests/mnist.sh: short runs on real MNIST -- the model learns (dev accuracy
# above 0.85), the same spec and seed give identical files, and nneval
# reproduces nnrun's test accuracy; in float64, then the same in float32.
# Skipped (77) without data/mnist.
. "$top_srcdir/tests/setup.sh"
if ! mnist=$(find_mnist); then
  echo "SKIP: no MNIST in data/mnist (run 'make data' first)"
  exit 77
fi
spec=$top_srcdir/configs/smoke.yaml
set -- data.dir="$mnist" model.hidden=100 train.epochs=2

expect 0 "$NNRUN" "$spec" "$@" -o "$tmp/a.h5"
cat "$tmp/out"
dev=$(h5value "$tmp/a.h5" /metrics/dev_accuracy | tr ',' '\n' | tail -n 1)
echo "dev accuracy after 2 epochs: $dev"
awk -v a="$dev" 'BEGIN { exit !(a > 0.85) }' && pass || fail "dev accuracy $dev is not above 0.85"
n=$(h5value "$tmp/a.h5" /data/train_index | awk -F, "{ print NF }")
[ "$n" -eq 50000 ] && pass || fail "train_index has $n entries"

expect 0 "$NNRUN" -q "$spec" "$@" -o "$tmp/b.h5"
for obj in /model /metrics/epoch /metrics/train_loss /metrics/train_accuracy /metrics/dev_loss \
  /metrics/dev_accuracy /metrics/objective /data/train_index /data/dev_index /test; do
  "$H5DIFF" "$tmp/a.h5" "$tmp/b.h5" "$obj" >/dev/null && pass || fail "$obj differs between two runs"
done

cp "$tmp/a.h5" "$tmp/copy.h5"
expect 0 "$NNEVAL" "$tmp/copy.h5"
cat "$tmp/out"
[ "$(h5value "$tmp/copy.h5" /test/accuracy)" = "$(h5value "$tmp/a.h5" /test/accuracy)" ] &&
  pass || fail "nneval's test accuracy differs from nnrun's"

# ---- model.precision: float32, the whole path in single precision
expect 0 "$NNRUN" -q "$spec" "$@" model.precision=float32 -o "$tmp/f1.h5"
dev=$(h5value "$tmp/f1.h5" /metrics/dev_accuracy | tr ',' '\n' | tail -n 1)
echo "float32: dev accuracy after 2 epochs: $dev"
awk -v a="$dev" 'BEGIN { exit !(a > 0.85) }' && pass || fail "float32: dev accuracy $dev is not above 0.85"
"$H5DUMP" -H -d /model/W1 "$tmp/f1.h5" | grep -q H5T_IEEE_F32LE && pass ||
  fail "float32: /model/W1 is not stored as float32"
expect 0 "$NNRUN" -q "$spec" "$@" model.precision=float32 -o "$tmp/f2.h5"
for obj in /model /metrics/dev_accuracy /metrics/train_loss /test; do
  "$H5DIFF" "$tmp/f1.h5" "$tmp/f2.h5" "$obj" >/dev/null && pass ||
    fail "float32: $obj differs between two runs"
done
cp "$tmp/f1.h5" "$tmp/fcopy.h5"
expect 0 "$NNEVAL" "$tmp/fcopy.h5"
[ "$(h5value "$tmp/fcopy.h5" /test/accuracy)" = "$(h5value "$tmp/f1.h5" /test/accuracy)" ] &&
  pass || fail "float32: nneval's test accuracy differs from nnrun's"
finish
