#!/bin/sh
# Builds the wssd Debian package from this source tree.
#
#   packaging/build-deb.sh [--install-deps] [OUTPUT_DIR]
#
# Copies the tree (git-tracked and untracked-but-not-ignored files, or everything but build
# directories outside git) to a temporary directory, puts packaging/debian there as ./debian,
# runs `dpkg-buildpackage -us -uc -b`, copies the .deb, .buildinfo and .changes to OUTPUT_DIR
# (default: build-deb/ in the tree) and runs lintian on the .deb if it is installed: an error
# or a warning fails the build (overrides, each with its reason: debian/wssd.lintian-overrides).
# --install-deps first installs the Build-Depends with apt-get (needs root).
# Needs: dpkg-dev, debhelper (>= 13), and the Build-Depends of packaging/debian/control.
set -eu

install_deps=no
if [ "${1:-}" = "--install-deps" ]; then
  install_deps=yes
  shift
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$root/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
upstream=${version%-*}
work=$(mktemp -d "${TMPDIR:-/tmp}/wssd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
src=$work/wssd-$upstream
mkdir -p "$src"

echo "build-deb: copying the source tree to $src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$root" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$src"
else
  (cd "$root" && tar --exclude='./build*' --exclude='./obj-*' --exclude=./.git -cf - .) |
    tar -xf - -C "$src"
fi
rm -rf "$src/debian"
cp -R "$here/debian" "$src/debian"

if [ "$install_deps" = yes ]; then
  apt-get build-dep -y "$src"
fi

: "${DEB_BUILD_OPTIONS:=parallel=$(nproc)}"
export DEB_BUILD_OPTIONS
echo "build-deb: dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
(cd "$src" && dpkg-buildpackage -us -uc -b)

for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
  [ -e "$f" ] && cp "$f" "$out/"
done
deb=$out/wssd_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb

# The units come from systemd/install.cmake; without it the package is not what it claims.
# (tests/package/install_test.sh checks every file; this is the quick check.)
contents=$work/contents
dpkg-deb -c "$deb" >"$contents"
for needed in lib/systemd/system/wssd.service lib/systemd/system/wssd@.service \
  usr/lib/systemd/user/wssd.service usr/lib/systemd/user/wssd@.service usr/sbin/wssd \
  usr/bin/wssctl usr/share/man/man5/wssd.conf.5.gz; do
  if ! grep -q "\./$needed\$" "$contents"; then
    echo "build-deb: $needed is missing from $deb (is systemd/install.cmake included?)" >&2
    exit 1
  fi
done
echo "build-deb: $deb"
if command -v lintian >/dev/null 2>&1; then
  echo "build-deb: lintian --info --display-info --fail-on error,warning $(basename "$deb")"
  if ! lintian --info --display-info --fail-on error,warning "$deb"; then
    echo "build-deb: lintian found errors or warnings in $deb (see above)" >&2
    exit 1
  fi
fi
