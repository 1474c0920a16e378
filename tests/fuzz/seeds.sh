#!/bin/sh
# tests/fuzz/seeds.sh OUT [NNRUN]: builds the seed corpora of the fuzz
# harnesses into OUT/spec, OUT/idx, OUT/csv and OUT/results from the test
# fixtures, tiny files made here, the regression seeds in tests/fuzz/regress
# and (when NNRUN is given) two tiny results files made by nnrun.
# Input layouts: see fuzz_spec.c and fuzz_common.h.
set -eu
out=${1:?usage: seeds.sh OUT [NNRUN]}
nnrun=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnseeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/spec" "$out/idx" "$out/csv" "$out/results"

# bytes B...: raw bytes given as decimal numbers.
bytes() { for b in "$@"; do printf "\\$(printf '%03o' "$b")"; done; }
be32() { bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
le32() { bytes $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# pair FLAGS IMAGES LABELS OUT: the two-file layout of fuzz_common.h.
pair() { { bytes "$1"; le32 "$(wc -c <"$2")"; cat "$2" "$3"; } >"$4"; }

# ---- specs: every fixture, the configs, and the bad overrides on a good spec
for f in "$top"/tests/specs/good/*.yaml "$top"/tests/specs/bad/*.yaml "$top"/configs/*.yaml; do
  [ -f "$f" ] && cp "$f" "$out/spec/$(basename "$(dirname "$f")")-$(basename "$f")"
done
i=0
tab=$(printf '\t')
while IFS="$tab" read -r arg msg; do
  [ -n "$arg" ] || continue
  i=$((i + 1))
  { cat "$top/tests/specs/good/minimal.yaml"; printf '\0%s\0train.lr=0.5' "$arg"; } \
    >"$out/spec/override-$i"
done <"$top/tests/specs/bad-overrides.txt"
printf 'name: x\n\0model.hidden=7\0data.dir=a b\0name=x.y+z\0seed=4294967295' >"$out/spec/overrides-good"
printf 'model: {hidden: [5, 3]}\n\0model.hidden=[1, 2]\0train.optimizer=adam\0train.beta1=0.5\0model.hidden=4-4\0train.shuffle=true' \
  >"$out/spec/overrides-lists"

# ---- IDX: 3 images of 2 x 2 pixels, and variants
{ be32 2051; be32 3; be32 2; be32 2; bytes 0 1 2 3 250 251 252 253 9 8 7 6; } >"$tmp/img"
{ be32 2049; be32 3; bytes 0 9 5; } >"$tmp/lab"
{ be32 2049; be32 3; bytes 0 10 5; } >"$tmp/lab-range"
{ be32 2049; be32 2; bytes 0 9; } >"$tmp/lab-count"
{ be32 2051; be32 3; be32 2; be32 2; bytes 0 1 2; } >"$tmp/img-short"
{ be32 2049; be32 3; bytes 0 9 5 1; } >"$tmp/lab-trailing"
{ be32 2052; be32 3; be32 2; be32 2; } >"$tmp/img-magic"
{ be32 2051; be32 67108864; be32 1; be32 1; bytes 1; } >"$tmp/img-huge"
pair 0 "$tmp/img" "$tmp/lab" "$out/idx/valid"
pair 15 "$tmp/img" "$tmp/lab" "$out/idx/valid-gz"
pair 1 "$tmp/img" "$tmp/lab" "$out/idx/gz-name-raw-data"
for v in lab-range lab-count lab-trailing; do pair 0 "$tmp/img" "$tmp/$v" "$out/idx/$v"; done
for v in img-short img-magic img-huge; do pair 0 "$tmp/$v" "$tmp/lab" "$out/idx/$v"; done
gzip -c "$tmp/img" | head -c 30 >"$tmp/img-gz-cut"
pair 1 "$tmp/img-gz-cut" "$tmp/lab" "$out/idx/gz-cut"
# two real MNIST images, when the data is here
mnist=$top/data/mnist
if [ -f "$mnist/train-images-idx3-ubyte" ] && [ -f "$mnist/train-labels-idx1-ubyte" ]; then
  { be32 2051; be32 2; be32 28; be32 28; tail -c +17 "$mnist/train-images-idx3-ubyte" | head -c 1568; } >"$tmp/mimg"
  { be32 2049; be32 2; tail -c +9 "$mnist/train-labels-idx1-ubyte" | head -c 2; } >"$tmp/mlab"
  pair 0 "$tmp/mimg" "$tmp/mlab" "$out/idx/mnist-2"
  pair 12 "$tmp/mimg" "$tmp/mlab" "$out/idx/mnist-2-gz"
fi

# ---- CSV: 3 images of 4 values, and variants
printf '0,1,2,3\n250,251,252,255\n9,8,7,6\n' >"$tmp/cimg"
printf '0\n9\n5\n' >"$tmp/clab"
pair 0 "$tmp/cimg" "$tmp/clab" "$out/csv/valid"
pair 15 "$tmp/cimg" "$tmp/clab" "$out/csv/valid-gz"
printf '0, 1 ,2,3\r\n250,251,252,255\r\n9,8,7,6\r\n\n\n' >"$tmp/cimg-crlf"
pair 0 "$tmp/cimg-crlf" "$tmp/clab" "$out/csv/crlf"
printf '0,1,2,3\n250,251,252\n9,8,7,6\n' >"$tmp/cimg-short"
pair 0 "$tmp/cimg-short" "$tmp/clab" "$out/csv/short-row"
printf '0,1,2,3\n250,256,252,255\n9,-8,7,x\n' >"$tmp/cimg-bad"
pair 0 "$tmp/cimg-bad" "$tmp/clab" "$out/csv/bad-values"
printf '0\n10\n5\n' >"$tmp/clab-range"
pair 0 "$tmp/cimg" "$tmp/clab-range" "$out/csv/label-range"
printf '0\n\n5\n' >"$tmp/clab-empty"
pair 0 "$tmp/cimg" "$tmp/clab-empty" "$out/csv/label-empty-line"

# ---- results: two tiny runs (4 pixels, 20 images, 2 hidden units)
if [ -n "$nnrun" ] && [ -x "$nnrun" ]; then
  mkdir -p "$tmp/d"
  awk -v d="$tmp/d" 'BEGIN {
    for (s = 0; s < 2; s++) {
      split("train test", name, " ")
      for (i = 0; i < 20; i++) {
        c = (i * 3 + s) % 10
        print c * 20 "," (i * 7) % 256 "," 255 - c * 20 "," i > (d "/images_" name[s + 1] ".csv")
        print c > (d "/labels_" name[s + 1] ".csv")
      }
    }
  }'
  printf 'name: seed\ndata: {dir: %s, format: csv, dev_size: 5}\nmodel: {hidden: 2}\ntrain: {epochs: 2, batch: 5}\n' \
    "$tmp/d" >"$tmp/seed.yaml"
  "$nnrun" -q "$tmp/seed.yaml" -o "$out/results/tiny.h5"
  "$nnrun" -q "$tmp/seed.yaml" train.epochs=0 data.dev_size=0 -o "$out/results/zero-epochs.h5"
fi
printf 'not hdf5\n' >"$out/results/text"
# a file of the older format (superblock 0, fixed-length strings), still read
cp "$here/../fixtures/v0/tiny-adam.h5" "$out/results/v0-tiny-adam.h5"

# ---- regression seeds: every input that once broke a harness
for h in spec idx csv results; do
  if [ -d "$here/regress/$h" ]; then
    for f in "$here/regress/$h"/*; do [ -f "$f" ] && cp "$f" "$out/$h/regress-$(basename "$f")"; done
  fi
done
exit 0
