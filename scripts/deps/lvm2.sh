#!/bin/bash
# libdevmapper from lvm2 (cryptsetup drives dm-crypt through it), static, into
# $DEPS_PREFIX; none of the LVM tools. Without udev sync libdevmapper makes
# the /dev/mapper nodes itself, which is what an initramfs without udev needs.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
deps_begin lvm2 lvm2 prefix/lib/libdevmapper.a prefix/include/libdevmapper.h \
	prefix/lib/pkgconfig/devmapper.pc
deps_fetch lvm2 "$DEPS_VERSION"
cd "$DEPS_SRCDIR"
# --enable-static_link is what makes libdm build libdevmapper.a. lvm2 adds
# its own optimisation flag to CFLAGS, so that is set to ours too. Its
# makefiles ignore CPPFLAGS: the include paths have to ride in CFLAGS.
CFLAGS="$CFLAGS $CPPFLAGS"
run ./configure --prefix="$DEPS_PREFIX" --with-usrlibdir="$DEPS_PREFIX/lib" \
	--with-optimisation=-Os --enable-static_link --enable-pkgconfig \
	--disable-selinux --disable-udev_sync --disable-udev_rules \
	--disable-blkid_wiping --disable-readline --disable-nls \
	--disable-systemd-journal --disable-app-machineid \
	--disable-dmeventd --disable-use-lvmlockd --disable-use-lvmpolld \
	--disable-dbus-service --disable-notify-dbus \
	--with-default-run-dir=/run/lvm --with-default-locking-dir=/run/lock/lvm \
	--with-default-pid-dir=/run
# Only the static library; install_static/include/pkgconfig avoid the shared
# one, which "make -C libdm install" would build.
run make -C include
run make -j"$DEPS_JOBS" -C libdm ioctl/libdevmapper.a
run make -C libdm install_static install_include install_pkgconfig
deps_end
