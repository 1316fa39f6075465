# Sourced by demo.sh and test.sh: installs the Debian 12 packages wssd needs, and builds.
set -euo pipefail

wssd_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

wssd_packages=(
  g++ cmake ninja-build pkg-config
  libasio-dev libwebsocketpp-dev libboost-json1.81-dev libspdlog-dev libsystemd-dev
  libssl-dev libcli11-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
  dbus systemd util-linux openssl scdoc clang libclang-rt-14-dev
  socat jq  # examples/shell, run by tests/examples
  python3-prometheus-client  # parses /metrics in tests/integration/ipc/metrics_test.cpp
)
# What tests/package/install_test.sh needs on top (tools/test.sh adds them with
# WSSD_INSTALL_TEST=1): dpkg-buildpackage with debhelper (which provides
# dh-sequence-installsysusers), lintian, and man for systemd-analyze verify's man: links.
# shellcheck disable=SC2034  # used by test.sh
wssd_install_test_packages=(dpkg-dev debhelper lintian man-db passwd procps)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs only what is missing, so a second run is quick and needs no network.
install_build_dependencies() {
  local missing=()
  for p in "${wssd_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo ">> installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# configure DIR [cmake options...]
configure() {
  local dir=$1
  shift
  cmake -S "$wssd_root" -B "$dir" -G Ninja "$@" >/dev/null
}
