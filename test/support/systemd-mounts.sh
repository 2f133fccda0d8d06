#!/bin/sh
# Run inside `unshare -m --propagation private` as root: rebuilds the mounts claudegate.service asks systemd for, as
# systemd does them (existing mounts remounted in place; a bind stacked on / would make every process look
# chrooted, and the kernel then refuses user namespaces), then runs "$@" with no new privileges as uid 61000, the
# way the unprivileged gateway starts a sandboxed run.
#   ProtectSystem=strict   /  read-only          ProtectHome=true   /home, /root, /run/user inaccessible
#   PrivateTmp=true        a private /tmp        ProtectProc=invisible  /proc with hidepid=invisible
#   PrivateDevices=true    a /dev of null, zero, full, random, urandom, tty
# Not modelled: the seccomp filter (SystemCallFilter=, RestrictNamespaces=, RestrictAddressFamilies=) and the
# capability bounding set; test/deploy/systemd-unit.test.ts checks those by reading the unit.
# CG_KEEP (optional): a checkout that lies under /tmp (a CI clone there) holds the CLI, so it is carried over the
# private /tmp: bound on /mnt first, then moved to its own path inside the new /tmp. A service installs elsewhere.
set -e
case "${CG_KEEP:-}" in /tmp/*) mount --rbind "$CG_KEEP" /mnt ;; *) CG_KEEP="" ;; esac
mount -o remount,bind,ro /
for d in /home /root /run/user; do [ -d "$d" ] && mount -t tmpfs -o mode=000 tmpfs "$d"; done
mount -t tmpfs -o mode=1777 tmpfs /tmp
if [ -n "$CG_KEEP" ]; then mkdir -p "$CG_KEEP" && mount -n --move /mnt "$CG_KEEP"; fi
mount -t proc -o hidepid=invisible proc /proc
mount -t tmpfs -o mode=755 tmpfs /dev
mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/full c 1 7
mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9; mknod -m 666 /dev/tty c 5 0
mkdir -m 700 /tmp/run && chown 61000:61000 /tmp/run
cd /tmp/run
exec setpriv --reuid 61000 --regid 61000 --clear-groups --no-new-privs -- "$@"
