#!/usr/bin/env bash
# make-rootfs.sh ROOTFS BINARY... : fills ROOTFS with busybox-static (as
# /bin/sh and the usual applets), the given binaries at their own paths and
# every shared library they load (ldd), plus a minimal /etc. Directories
# given instead of binaries are copied whole (hard links kept), and the
# libraries of the executables inside them are added too.
set -euo pipefail
root="$1"; shift
mkdir -p "$root"/{bin,etc,tmp,var/tmp,root,work}
chmod 1777 "$root/tmp" "$root/var/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nbuild:x:1000:1000:build:/work:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nbuild:x:1000:\nnobody:x:65534:\n' >"$root/etc/group"
printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"

add_libs() {
  { ldd "$1" 2>/dev/null || true; } | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
    [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
  done
}

for item in "$@"; do
  mkdir -p "$root$(dirname "$item")"
  if [ -d "$item" ]; then
    cp -a "$item" "$root$(dirname "$item")/"
    find "$item" -type f -perm -u+x | while read -r f; do add_libs "$f"; done
  else
    cp -L "$item" "$root$item"
    add_libs "$item"
  fi
done
