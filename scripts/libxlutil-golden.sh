#!/usr/bin/env bash
# Regenerates hvm-guest's golden tables (src/test/resources/io/xensim/hvm/config/libxlutil-4.17-{cfg,disk}.tsv)
# from the real libxlutil 4.17, which LibxlutilGoldenTest then holds XlConfigParser and DiskSpecParser to.
# Needs gcc and libxen-dev 4.17 (libxlutil.h, libxl.h, -lxlutil -lxenlight). Not part of the build.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gcc -O1 -o "$work/oracle" "$root/scripts/libxlutil-golden/oracle.c" -lxlutil -lxenlight
out="$root/hvm-guest/src/test/resources/io/xensim/hvm/config"
ORACLE="$work/oracle" python3 "$root/scripts/libxlutil-golden/golden.py" cfg 11 250 > "$out/libxlutil-4.17-cfg.tsv"
ORACLE="$work/oracle" python3 "$root/scripts/libxlutil-golden/golden.py" disk 12 250 > "$out/libxlutil-4.17-disk.tsv"
echo "regenerated $out/libxlutil-4.17-{cfg,disk}.tsv"
