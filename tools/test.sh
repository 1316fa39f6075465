#!/usr/bin/env bash
# Builds wssd with AddressSanitizer and UndefinedBehaviorSanitizer and runs the whole test suite
# (unit, integration against the real hub and daemons, D-Bus on a private bus).
source "$(dirname "$0")/bootstrap.sh"
install_build_dependencies
configure "$wssd_root/build-test" -DCMAKE_BUILD_TYPE=Debug -DWSSD_SANITIZE=ON
cmake --build "$wssd_root/build-test" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$wssd_root/build-test" --output-on-failure --timeout 180 "$@"
