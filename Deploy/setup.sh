#!/usr/bin/env bash
# Installs what building, testing and running Newsflash needs on Debian 12:
# the Debian packages below (only those missing) and the Python tools of
# Deploy/requirements-dev.txt (into .venv/, with librdkafka 2.16 linked into .local/lib/).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# librdkafka-dev: headers and the link-time library of the Kafka client.
# libxml2-dev: the feed and ticker-page parser.
# pkg-config: how SwiftPM finds both.
# openssl: the SMTP test sink makes its throw-away CA with it.
# postgresql: the server the store tests run against (Deploy/postgres.sh).
packages=(librdkafka-dev libxml2-dev pkg-config openssl postgresql)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
"$root/Deploy/local-broker.sh" install

# promtool (Debian's prometheus package, 2.42): Deploy/check_deploy.py checks and unit-tests the alerting
# rules of Deploy/prometheus/ with it. Only the binary is unpacked into .local/bin/: installing the
# package would also install and start a Prometheus server. Not needed to build or run: where apt
# cannot fetch it, setup goes on (the check then skips it, except under CI=true, where it fails).
install_promtool() {
  local work
  work=$(mktemp -d)
  (
    cd "$work" &&
      { apt-get download -qq prometheus 2>/dev/null || { apt-get update -qq && apt-get download -qq prometheus 2>/dev/null; }; } &&
      dpkg-deb -x prometheus_*.deb unpacked &&
      mkdir -p "$root/.local/bin" &&
      install -m 0755 unpacked/usr/bin/promtool "$root/.local/bin/promtool"
  )
  local status=$?
  rm -rf "$work"
  return $status
}
if [ ! -x "$root/.local/bin/promtool" ]; then
  if install_promtool; then
    echo "setup: $("$root/.local/bin/promtool" --version 2>&1 | head -n 1) in .local/bin"
  else
    echo "setup: could not fetch Debian's prometheus package for promtool; the alerting rules' tests will be skipped" >&2
  fi
fi
