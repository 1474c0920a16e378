#!/bin/sh
# tests/reference.sh: the reference algorithm keeps its results bit for bit
# through the model's rewrites -- short MNIST runs in both precisions and both
# input paths against files made before the model became a list of layers
# (tests/fixtures/reference/README).  Bit for bit on the kernels they were made
# with, within rounding on others.  Skipped (77) without data/mnist.
. "$top_srcdir/tests/setup.sh"
if ! mnist=$(find_mnist); then
  echo "SKIP: no MNIST in data/mnist (run 'make data' first)"
  exit 77
fi
fixtures=$top_srcdir/tests/fixtures/reference
machine=$("$NNRUN" --version | sed 's/^nnrun [^ ]* //')
# Bit for bit is a promise of one build on one machine: the same kernels, and
# the plain build (a sanitizer build compiles the arithmetic otherwise).
if [ "$machine" = "$(cat "$fixtures/MACHINE")" ] &&
  ! grep -q -- '-fsanitize' "$top_builddir/Makefile"; then
  exact=1
  echo "same kernels as the fixtures ($machine): bit for bit"
else
  exact=0
  echo "kernels $machine (fixtures: $(cat "$fixtures/MACHINE")), or a sanitizer build:" \
    "within 1e-6 (weights, losses) and 2 images (accuracies)"
fi
for c in "f64-dense float64 dense" "f64-sparse float64 sparse" "f32-dense float32 dense" \
  "f32-sparse float32 sparse"; do
  set -- $c
  expect 0 "$NNRUN" -q "$top_srcdir/configs/smoke.yaml" data.dir="$mnist" model.hidden=10 \
    train.threads=1 model.precision="$2" train.input="$3" -o "$tmp/$1.h5"
  for obj in /model /test /metrics/epoch /metrics/train_loss /metrics/train_accuracy \
    /metrics/dev_loss /metrics/dev_accuracy /metrics/objective; do
    if [ $exact = 1 ]; then
      "$H5DIFF" "$fixtures/$1.h5" "$tmp/$1.h5" "$obj" >"$tmp/diff" 2>&1
    else
      case $obj in
      /test) objs="/test/loss /test/accuracy" ;; # a confusion count may move by one
      *) objs=$obj ;;
      esac
      for o in $objs; do
        case $o in *accuracy) delta=2e-4 ;; *) delta=1e-6 ;; esac
        "$H5DIFF" -d $delta "$fixtures/$1.h5" "$tmp/$1.h5" "$o" >"$tmp/diff" 2>&1 || break
      done
    fi && pass || { head -5 "$tmp/diff"; fail "$1: $obj differs from the fixture"; }
  done
done
finish
