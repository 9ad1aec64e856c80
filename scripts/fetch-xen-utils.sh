#!/usr/bin/env bash
# Unpacks (never installs) Debian's xen-utils-4.17 into .cache/xen-utils-4.17 of this clone, for the tests that
# judge xensim's xenstored by the real C xenstored 4.17 and run Xen's test-xenstore against it
# (testbed: io.xensim.testbed.xenstored). Nothing outside the clone is changed; git ignores .cache/.
#
#   scripts/fetch-xen-utils.sh          fetch if missing; exit 1 (saying why) if apt-get download fails
#   scripts/fetch-xen-utils.sh --update as above, but run 'apt-get update' first if the package is unknown (CI, root)
#
# The binaries need the Xen libraries (libxenctrl, libxenstore, libxenevtchn, libxengnttab, ...), which come with
# libxen-dev (Debian packages libxenmisc4.17 libxenstore4 libxenevtchn1 libxengnttab1 libxentoollog1 ...).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
package=xen-utils-4.17
dest="$root/.cache/$package"
if [ -x "$dest/usr/lib/xen-4.17/bin/xenstored" ] && [ -x "$dest/usr/lib/xen-4.17/bin/test-xenstore" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  echo "fetch-xen-utils: apt-get/dpkg not available; the tests needing $package will skip" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
download() {
  # As root, apt downloads as _apt, who cannot write into our private temporary directory: let root do it.
  (cd "$work" && apt-get -q -o APT::Sandbox::User=root download "$package") >"$work/apt.log" 2>&1
}
if ! download; then
  if [ "${1:-}" = "--update" ]; then
    apt-get update -q >/dev/null
    download || { cat "$work/apt.log" >&2; exit 1; }
  else
    echo "fetch-xen-utils: 'apt-get download $package' failed:" >&2
    tail -n 3 "$work/apt.log" >&2
    exit 1
  fi
fi
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
dpkg -x "$work"/"$package"_*.deb "$dest.partial"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "fetch-xen-utils: unpacked $(basename "$work"/"$package"_*.deb) into ${dest#"$root"/}" >&2
