#!/bin/sh
# tests/plot.sh: nnplot on results files made here from the tiny CSV data set
# -- PNGs of the requested size that are not blank and hold one colour per
# run (decoded by tests/pnginfo), SVGs, the script, the options, a missing or
# failing gnuplot -- and the experiment driver, on the tiny data and (when
# data/mnist is there) on configs/smoke.yaml.
. "$top_srcdir/tests/setup.sh"
NNPLOT=$top_builddir/src/nnplot
NNCOMPARE=$top_builddir/src/nncompare
PNGINFO=$top_builddir/tests/pnginfo
RESEDIT=$top_builddir/tests/resedit
BLUE=1f77b4 RED=d62728  # the colours of the first two runs

make_tiny "$tmp/tiny"
cat >"$tmp/tiny.yaml" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 6, batch: 25, lr: 0.5, lambda: 0.001}
EOT
mkdir "$tmp/runs"
cd "$tmp/runs"
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o tiny.h5
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o fast.h5 name=fast train.lr=2

# png_ok FILE W H [COLOUR...]: FILE is a W x H PNG that is not blank (many
# colours, at least 1% of pixels off the background) and holds at least 50
# pixels of each COLOUR.
png_ok() {
  file=$1 w=$2 h=$3
  shift 3
  if ! info=$("$PNGINFO" "$file" "$@"); then
    fail "$file is not a readable PNG"
    return 1
  fi
  set -- $info "$@"
  if [ "$1" -ne "$w" ] || [ "$2" -ne "$h" ]; then
    fail "$file is $1x$2, expected ${w}x$h"
    return 1
  fi
  if [ "$3" -lt 16 ] || [ "$4" -lt 10 ]; then
    fail "$file looks blank: $3 colours, $4 per mille ink"
    return 1
  fi
  shift 4
  for count; do
    case $count in *[!0-9]*) break ;; esac
    if [ "$count" -lt 50 ]; then
      fail "$file: a run's colour has only $count pixels ($info)"
      return 1
    fi
  done
  pass
}

# svg_ok FILE W H: FILE is an SVG document of that size.
svg_ok() {
  if head -c 4000 "$1" | grep -q "<svg" && grep -q "width=\"$2\" height=\"$3\"" "$1"; then
    pass
  else
    fail "$1 is not a ${2}x$3 SVG"
  fi
}

# ---- options: exact messages, nothing written
expect 0 "$NNPLOT" --help && expect_in "$tmp/out" "--keep-script" && expect_in "$tmp/out" "gnuplot-nox"
expect 0 "$NNPLOT" --version && expect_in "$tmp/out" "nnplot "
expect 2 "$NNPLOT" && expect_err "nnplot: no results file given; usage: nnplot [OPTIONS] RESULT.h5 ..."
for size in 50x600 800x 800 x600 800*600 10001x600 800x600x2 -800x600 0x0 800x1e3; do
  expect 2 "$NNPLOT" --size "$size" tiny.h5 &&
    expect_err "nnplot: --size: expected WIDTHxHEIGHT in pixels, each 100..10000 (e.g. 800x600), got '$size'"
done
expect 2 "$NNPLOT" --metric loss,accuracy tiny.h5 &&
  expect_err "nnplot: --metric: expected loss, accuracy or both, got 'loss,accuracy'"
expect 2 "$NNPLOT" --name a/b tiny.h5 && expect_in "$tmp/err" "--name: expected a plain file name prefix"
expect 2 "$NNPLOT" --bogus tiny.h5 && expect_err "nnplot: unknown option '--bogus'; see nnplot --help"
expect 2 "$NNPLOT" tiny.h5 -s && expect_err "nnplot: -s needs an argument; see nnplot --help"
[ -z "$(ls | grep -v '[.]h5$')" ] && pass || fail "rejected command lines wrote: $(ls)"

# ---- without gnuplot: the package to install, exit 1, nothing written
mkdir "$tmp/nobin"
expect 1 env PATH="$tmp/nobin" "$NNPLOT" tiny.h5 &&
  expect_err "nnplot: gnuplot not found; install it with: apt-get install gnuplot-nox"
[ -z "$(ls | grep -v '[.]h5$')" ] && pass || fail "nnplot without gnuplot wrote: $(ls)"

# ---- a gnuplot that fails half-way: its messages reported, no plot left
mkdir "$tmp/badbin"
cat >"$tmp/badbin/gnuplot" <<'EOT'
#!/bin/sh
PATH=/usr/bin:/bin
sed -n "s/^set output '\(.*\)'$/\1/p" | head -1 | while read -r f; do echo partial >"$f"; done
echo '"-" line 42: unknown or ambiguous terminal type' >&2
exit 1
EOT
chmod +x "$tmp/badbin/gnuplot"
expect 1 env PATH="$tmp/badbin" "$NNPLOT" tiny.h5
cat >"$tmp/want" <<'EOT'
nnplot: gnuplot: "-" line 42: unknown or ambiguous terminal type
nnplot: gnuplot failed (exit status 1); its messages are above
EOT
diff "$tmp/want" "$tmp/err" >&2 && pass || fail "messages of a failing gnuplot differ"
[ -z "$(ls | grep -v '[.]h5$')" ] && pass || fail "a failed plot left: $(ls)"

if ! command -v gnuplot >/dev/null 2>&1; then
  echo "gnuplot is not installed (apt-get install gnuplot-nox): real plots skipped" >&2
  finish
  exit $?
fi

# ---- one run: NAME-loss and NAME-accuracy, PNG and SVG, next to the file
expect 0 "$NNPLOT" tiny.h5
for m in loss accuracy; do
  expect_in "$tmp/out" "wrote ./tiny-$m.png"
  png_ok tiny-$m.png 800 600 $BLUE
  svg_ok tiny-$m.svg 800 600
done
[ "$(wc -l <"$tmp/out")" -eq 4 ] && pass || fail "expected 4 files written: $(cat "$tmp/out")"
[ ! -s "$tmp/err" ] && pass || fail "nnplot wrote to stderr: $(cat "$tmp/err")"

# ---- several runs, a size, the script kept; one colour per run, dev dashed
expect 0 "$NNPLOT" -o "$tmp/plots" --size 640x480 --keep-script tiny.h5 fast.h5
expect_in "$tmp/out" "wrote $tmp/plots/compare.gp (gnuplot script)"
for m in loss accuracy; do
  png_ok "$tmp/plots/compare-$m.png" 640 480 $BLUE $RED
  svg_ok "$tmp/plots/compare-$m.svg" 640 480
done
gp=$tmp/plots/compare.gp
expect_in "$gp" "set xlabel 'epoch'"
expect_in "$gp" "set title 'Loss per epoch: tiny vs fast'"
expect_in "$gp" "set title 'Accuracy per epoch: tiny vs fast'"
expect_in "$gp" "title 'fast dev'"
[ "$(grep -c "lc rgb '#$RED' dt 2 title 'fast dev'" "$gp")" -eq 2 ] && pass || fail "fast dev is not dashed red"
[ "$(grep -c "lc rgb '#$BLUE' dt 1 title 'tiny train'" "$gp")" -eq 2 ] && pass || fail "tiny train is not solid blue"
expect_in "$gp" "set terminal pngcairo size 640,480"
expect_in "$gp" "set terminal svg size 640,480"
# the kept script runs on its own and draws the same pictures
rm "$tmp/plots/compare-loss.png"
(cd / && gnuplot "$gp") && pass || fail "gnuplot $gp failed"
png_ok "$tmp/plots/compare-loss.png" 640 480 $BLUE $RED
expect 0 "$NNPLOT" -q -o "$tmp/plots" tiny.h5 fast.h5
[ ! -s "$tmp/out" ] && pass || fail "-q printed: $(cat "$tmp/out")"

# ---- no dev split (issue 10, item 13): no dev curve, no dev legend entry,
# NaN in its data columns (0 stretched the axes)
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o nodev.h5 name=nodev data.dev_size=0
expect 0 "$NNPLOT" -o "$tmp/nodev" --keep-script nodev.h5 tiny.h5
gp=$tmp/nodev/compare.gp
grep -q "title 'nodev dev'" "$gp" && fail "nnplot drew a dev curve for a run without a dev split" || pass
[ "$(grep -c "title 'tiny dev'" "$gp")" -eq 2 ] && pass || fail "the run with a dev split lost its dev curves"
awk '/^[$]group1 << EOD/ { on = 1; next } /^EOD/ { on = 0 } on && !/^#/ && ($6 != "NaN" || $12 != "NaN") { bad = 1 }
     END { exit bad }' "$gp" && pass || fail "the dev columns of a run without a dev split are not NaN"
for m in loss accuracy; do png_ok "$tmp/nodev/compare-$m.png" 800 600 $BLUE $RED; done

# ---- --metric, --log, --name
expect 0 "$NNPLOT" -o "$tmp/one" --metric loss --log --name lossonly --keep-script fast.h5
[ "$(ls "$tmp/one" | tr '\n' ' ')" = "lossonly-loss.png lossonly-loss.svg lossonly.gp " ] && pass ||
  fail "--metric loss wrote: $(ls "$tmp/one")"
expect_in "$tmp/one/lossonly.gp" "set logscale y"
expect_in "$tmp/one/lossonly.gp" "set ytics ("
png_ok "$tmp/one/lossonly-loss.png" 800 600 $BLUE
expect 0 "$NNPLOT" -o "$tmp/one" -m accuracy --size 1600x1200 fast.h5
png_ok "$tmp/one/fast-accuracy.png" 1600 1200 $BLUE
[ ! -e "$tmp/one/fast-loss.png" ] && pass || fail "--metric accuracy drew the loss"

# ---- runs that share a name are told apart by their files
cp tiny.h5 copy.h5
expect 0 "$NNPLOT" -o "$tmp/same" -k -m loss tiny.h5 copy.h5
expect_in "$tmp/same/compare.gp" "title 'copy.h5 dev'"
expect_in "$tmp/same/compare.gp" "set title 'Loss per epoch: tiny.h5 vs copy.h5'"
rm copy.h5

# ---- bad, running and empty files
echo "not hdf5" >foreign.h5
expect 2 "$NNPLOT" -o "$tmp/mixed" foreign.h5 tiny.h5 && expect_err "nnplot: foreign.h5: not an HDF5 file"
png_ok "$tmp/mixed/tiny-loss.png" 800 600 $BLUE
cp tiny.h5 running.h5
expect 0 "$RESEDIT" running.h5 status=running epochs=3 notest
# status running with its lock free: killed after epoch 3
expect 0 "$NNPLOT" -o "$tmp/running" -k running.h5 &&
  expect_err "nnplot: running.h5: killed after epoch 3 (no process holds its lock; rerun it to resume); plotted as it stands"
expect_in "$tmp/running/tiny.gp" "title 'tiny (killed) dev'"
png_ok "$tmp/running/tiny-accuracy.png" 800 600 $BLUE
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o zero.h5 name=zero train.epochs=0
expect 2 "$NNPLOT" -o "$tmp/zero" zero.h5 && expect_err "nnplot: zero.h5: no completed epoch to plot"
expect 0 "$NNPLOT" -o "$tmp/zero" zero.h5 tiny.h5 &&
  expect_err "nnplot: zero.h5: no completed epoch; left out of the plots"
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o one.h5 name=one train.epochs=1
expect 0 "$NNPLOT" -o "$tmp/single" one.h5  # one point a line: drawn with points
png_ok "$tmp/single/one-loss.png" 800 600 $BLUE
echo x >"$tmp/notadir"
expect 2 "$NNPLOT" -o "$tmp/notadir/sub" tiny.h5 && expect_err "nnplot: -o: cannot create $tmp/notadir/sub: Not a directory"

# ---- names: an -o folder too long for FOLDER/.nnplot-XXXXXX/tiny-accuracy.svg
# gets exit 2 and the limit (it gave exit 1 and gnuplot's echo of "set output"
# alone); --name with a control character or too long: exit 2, the reason
# (gnuplot did not write...; a message about '/' only) (issue 10, item C)
# folder_of N: a new folder of N bytes (its absolute path)
folder_of() {
  p=$tmp/pl$1
  while [ ${#p} -lt $(($1 - 110)) ]; do p=$p/ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; done
  p=$p/$(printf '%*s' $(($1 - ${#p} - 1)) '' | tr ' ' e)
  mkdir -p "$p" && echo "$p"
}
plot_max=$((4095 - 16 - 4 - 13))  # the folder's bytes that leave room for /.nnplot-XXXXXX/tiny-accuracy.svg
d=$(folder_of $plot_max)
[ ${#d} -eq $plot_max ] && pass || fail "folder_of $plot_max made ${#d} bytes"
expect 0 "$NNPLOT" -q -o "$d" tiny.h5 && png_ok "$d/tiny-accuracy.png" 800 600 $BLUE
for n in $((plot_max + 1)) 4080; do
  d=$(folder_of $n)
  expect 2 "$NNPLOT" -q -o "$d" tiny.h5 && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    expect_in "$tmp/err" ": a folder of $n bytes is too long: with the plots' names (/.nnplot-XXXXXX/tiny-accuracy.svg, 33 bytes more) a path must fit in 4096 bytes (PATH_MAX, the end included): at most $plot_max bytes"
  [ -z "$(ls -A "$d")" ] && pass || fail "nnplot left files in a folder too long: $(ls -A "$d")"
done
expect 2 "$NNPLOT" -o "$tmp/ctl" --name "$(printf 'x\ny\033z')" tiny.h5 &&
  expect_err "nnplot: --name: a control character in 'x\\ny\\x1bz'; choose a prefix without one"
[ ! -e "$tmp/ctl" ] && pass || fail "nnplot --name with control characters made $tmp/ctl"
expect 2 "$NNPLOT" -o "$tmp/ctl" --name "$(printf '%200s' '' | tr ' ' x)" tiny.h5 &&
  expect_err "nnplot: --name: a prefix of 200 bytes is too long: at most 199 bytes"
expect 0 "$NNPLOT" -q -o "$tmp/ctl" --name "$(printf '%199s' '' | tr ' ' x)" tiny.h5 &&
  png_ok "$tmp/ctl/$(printf '%199s' '' | tr ' ' x)-loss.png" 800 600 $BLUE

# ---- the experiment driver: both reference specs on the tiny data, then
# the final test, the plots and the table, which comes last
tiny_args="data.dir=$tmp/tiny data.format=csv data.dev_size=50 model.hidden=8 train.epochs=3 train.batch=25"
driver() {
  OUT=$1 NNRUN=$NNRUN NNEVAL=$NNEVAL NNCOMPARE=$NNCOMPARE NNPLOT=$NNPLOT CONFIGS=$2 \
    "$top_srcdir/experiments/regularization" $3
}
expect 0 driver "$tmp/exp" "$top_srcdir/configs" "$tiny_args"
for f in unregularized regularized regularization; do
  for m in loss accuracy; do
    [ -s "$tmp/exp/$f-$m.png" ] && [ -s "$tmp/exp/$f-$m.svg" ] && pass || fail "the driver did not draw $f-$m"
  done
done
png_ok "$tmp/exp/regularization-loss.png" 800 600 $BLUE $RED
expect_re "$tmp/out" "unregularized.h5: test loss [0-9.]+ accuracy"
expect_re "$tmp/out" "^== comparison$"
tail -4 "$tmp/out" >"$tmp/table"
expect_re "$tmp/table" "^run +train.lambda +loss +acc "
expect_re "$tmp/table" "^unregularized +0 +[0-9.]+ .* complete$"
expect_re "$tmp/table" "^regularized +0.0001 +[0-9.]+ .* complete$"
[ "$(sed -n '/^== comparison$/,$p' "$tmp/out" | wc -l)" -eq 5 ] && pass || fail "the table is not last"

# the driver on configs/smoke.yaml, as the two reference specs (needs MNIST)
if mnist=$(find_mnist); then
  mkdir "$tmp/smoke"
  sed 's/^name: smoke/name: unregularized/; s/lambda: .*/lambda: 0/' "$top_srcdir/configs/smoke.yaml" \
    >"$tmp/smoke/unregularized.yaml"
  sed 's/^name: smoke/name: regularized/' "$top_srcdir/configs/smoke.yaml" >"$tmp/smoke/regularized.yaml"
  expect 0 driver "$tmp/smoke-runs" "$tmp/smoke" "data.dir=$mnist"
  png_ok "$tmp/smoke-runs/regularization-accuracy.png" 800 600 $BLUE $RED
  "$NNCOMPARE" -f csv "$tmp/smoke-runs/"*.h5 >"$tmp/smoke.csv" && pass || fail "nncompare on the smoke runs"
  [ "$(wc -l <"$tmp/smoke.csv")" -eq 3 ] && pass || fail "smoke CSV: $(cat "$tmp/smoke.csv")"
else
  echo "data/mnist is absent: the driver on configs/smoke.yaml skipped (make data)" >&2
fi

finish
