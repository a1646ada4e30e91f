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
