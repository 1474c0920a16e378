#!/bin/sh
# tests/hygiene.sh: build hygiene (issue 10, item 25).  A fresh copy of the
# source bootstraps without autotools warnings (m4/ is tracked, with the
# vendored pkg.m4 and ax_pthread.m4); libnn, which starts threads, is
# compiled and linked with the threads flags (-pthread); and, in a git
# checkout, no compiled Python is tracked and .gitignore has no duplicates.
. "$top_srcdir/tests/setup.sh"
: "${MAKE:=make}"
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE -s -C "$top_builddir" "$@"; }
src=$(cd "$top_srcdir" && pwd -P)

# A git checkout of this tree (not an unpacked tarball inside another one).
git_here=0
if command -v git >/dev/null 2>&1 &&
  top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) &&
  [ "$(cd "$top" && pwd -P)" = "$src" ]; then
  git_here=1
fi

# ---- the vendored macros are there (tracked, or in the tarball)
for m in pkg.m4 ax_pthread.m4; do
  [ -f "$src/m4/$m" ] && pass || fail "m4/$m is missing"
  if [ "$git_here" = 1 ]; then
    [ -n "$(git -C "$src" ls-files "m4/$m")" ] && pass || fail "m4/$m is not tracked"
  fi
done

# ---- a fresh copy bootstraps with no warning from the autotools
if command -v autoreconf >/dev/null 2>&1; then
  mkdir "$tmp/copy"
  if [ "$git_here" = 1 ]; then
    # What a clone gets: the tracked files as they are now in the tree (one
    # deleted from the tree is left out, as the next commit will leave it).
    (cd "$src" && git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
      tar -C "$tmp/copy" -xf -
  else
    (cd "$src" && tar -cf - --exclude=autom4te.cache .) | tar -C "$tmp/copy" -xf -
  fi
  if (cd "$tmp/copy" && NNRUN_NO_APT=1 ./bootstrap) >"$tmp/bootstrap.out" 2>&1; then
    pass
  else
    fail "bootstrap failed in a fresh copy:"
    tail -5 "$tmp/bootstrap.out" >&2
  fi
  # Missing Debian packages are the machine's business, not a build warning.
  if grep -iE "warning|couldn't open|error" "$tmp/bootstrap.out" |
    grep -v '^bootstrap: warning: missing Debian packages' >"$tmp/warnings"; then
    fail "bootstrap in a fresh copy warns:"
    sed 's/^/  | /' "$tmp/warnings" >&2
  else
    pass
  fi
  rm -rf "$tmp/copy"
else
  echo "skip: the fresh bootstrap (autoreconf not installed)"
fi

# ---- threads: libnn starts them (pthread_create in src/spmm.c), so it is
# compiled, and every program linked, with the threads flags
# (make -n -W FILE: what GNU make would run were FILE new)
gnu_make=0
$MAKE --version 2>/dev/null | grep -q 'GNU Make' && gnu_make=1
[ "$gnu_make" = 1 ] || echo "skip: the -pthread checks ($MAKE is not GNU make)"
for t in "src/spmm.c src/spmm.o" "src/libnn.a src/nnrun" "src/libnn.a tests/check_mlp"; do
  [ "$gnu_make" = 1 ] || break
  set -- $t
  [ -e "$top_builddir/$2" ] || continue  # no Check, no check_mlp
  mk -n -W "$1" "$2" >"$tmp/make.out" 2>&1
  if grep -E "(-o $2|$2\.c)( |\$)" "$tmp/make.out" | grep -q -- ' -pthread '; then
    pass
  else
    fail "$2 is not built with -pthread:"
    grep -E -- "-o $2( |\$)" "$tmp/make.out" | head -2 >&2
  fi
done

# ---- the git checkout: no compiled Python, no duplicate ignore lines
if [ "$git_here" = 1 ]; then
  pyc=$(git -C "$src" ls-files | grep -E '(^|/)__pycache__/|\.py[co]$' || :)
  [ -z "$pyc" ] && pass || fail "compiled Python is tracked: $pyc"
  git -C "$src" check-ignore -q bench/peers/__pycache__/x.cpython-311.pyc && pass ||
    fail ".gitignore does not ignore __pycache__"
  dups=$(grep -vE '^(#|$)' "$src/.gitignore" | sort | uniq -d)
  [ -z "$dups" ] && pass || fail ".gitignore repeats: $(echo $dups)"
else
  echo "skip: the git checks (not a git checkout)"
fi
finish
