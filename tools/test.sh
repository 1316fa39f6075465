#!/usr/bin/env bash
# Builds wssd with AddressSanitizer and UndefinedBehaviorSanitizer and runs the whole test suite
# (unit, integration against the real hub and daemons, D-Bus on a private bus).
# Then it runs every parser's libFuzzer target for WSSD_FUZZ_SECONDS (10 s each by default; CI:
# 15 s). With WSSD_INSTALL_TEST=1 (CI sets it) it then builds the Debian package and runs
# tests/package/install_test.sh, which installs, removes and purges it on THIS machine (root).
source "$(dirname "$0")/bootstrap.sh"
if [ "${WSSD_INSTALL_TEST:-0}" = 1 ]; then
  wssd_packages+=("${wssd_install_test_packages[@]}")
fi
install_build_dependencies
configure "$wssd_root/build-test" -DCMAKE_BUILD_TYPE=Debug -DWSSD_SANITIZE=ON
cmake --build "$wssd_root/build-test" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$wssd_root/build-test" --output-on-failure --timeout 180 -j "$(nproc)" "$@"
# Every parser under libFuzzer for a bounded time (WSSD_FUZZ_SECONDS each; 0 skips it).
if [ "${WSSD_FUZZ_SECONDS:-10}" != 0 ]; then
  "$wssd_root/tools/fuzz.sh" "${WSSD_FUZZ_SECONDS:-10}"
fi
if [ "${WSSD_INSTALL_TEST:-0}" = 1 ]; then
  # Bounded as a whole; its steps have their own limits (the package build is most of it).
  timeout --kill-after=30 2400 "$wssd_root/tests/package/install_test.sh"
fi
