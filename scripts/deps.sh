#!/usr/bin/env bash
# Why this exists: a fresh Debian 12 machine (CI, a newcomer's box) needs compilers, the C
# libraries Herald links, PostgreSQL, Java + Maven for the Kafka broker, and a few tools.
# This installs whatever is missing, non-interactively, and touches apt only when something
# is missing (so it is a ~0.1 s no-op on a prepared machine).
#
#   scripts/deps.sh            # needs root (or sudo) only when something must be installed
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG=deps

PACKAGES=(
    # build
    build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
    # libraries the C code links
    librdkafka-dev libpq-dev libjansson-dev libconfig-dev libmicrohttpd-dev
    libcurl4-openssl-dev libssl-dev libcsv-dev libcmocka-dev libjemalloc-dev
    # services: PostgreSQL server, and Java + Maven to fetch and run the Kafka broker
    postgresql openjdk-17-jdk-headless maven
    # tools: kcat for probing Kafka, wrk + gnuplot for benchmarks, venv for the Python tests
    kafkacat wrk gnuplot-nox python3-venv
    # used by the scripts themselves (usually present already)
    util-linux procps iproute2 git curl ca-certificates
    # dashboard browser test: Debian's Chromium driven by playwright-core (npm)
    chromium nodejs npm
    # reliability and performance work: leak checks and profiles
    valgrind linux-perf
)

# One dpkg-query for all packages; a package dpkg has never heard of prints nothing.
missing_packages() {
    local installed p
    installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
        awk '/install ok installed/ { sub(/:.*/, "", $1); print $1 }' || true)"
    for p in "${PACKAGES[@]}"; do
        # A nodejs from NodeSource bundles npm and conflicts with Debian's npm package.
        if [ "$p" = npm ] && command -v npm >/dev/null; then
            continue
        fi
        grep -qx -- "$p" <<<"$installed" || echo "$p"
    done
}

apt_as_root() {
    if herald_is_root; then
        DEBIAN_FRONTEND=noninteractive "$@"
    elif command -v sudo >/dev/null; then
        sudo DEBIAN_FRONTEND=noninteractive "$@"
    else
        herald_die "need root (or sudo) to run: $*"
    fi
}

main() {
    local missing
    mapfile -t missing < <(missing_packages)
    if [ "${#missing[@]}" -eq 0 ]; then
        herald_log "all ${#PACKAGES[@]} Debian packages present"
        return 0
    fi
    herald_log "installing: ${missing[*]}"
    apt_as_root apt-get update -qq
    apt_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
    herald_log "installed ${#missing[@]} package(s)"
}

main "$@"
