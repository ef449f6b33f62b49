#!/usr/bin/env bash
# Why this exists: the dashboard's browser test drives Debian's Chromium with playwright-core
# from npm. Like scripts/venv.sh for Python, this installs the pinned npm packages of
# tests/browser/package-lock.json into a project-local folder, .cache/node, with `npm ci`
# (exact versions, no install scripts, no browser download). Idempotent: when the installed
# lock file equals the committed one it returns at once. Prints the node_modules path.
#
#   scripts/node.sh            -> /path/to/.cache/node/node_modules
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERALD_LOG_TAG=node

SRC="$HERALD_ROOT/tests/browser"
DEST="$HERALD_CACHE/node"
# A copy of the lock file written last: its presence means `npm ci` completed for it.
STAMP="$DEST/.herald-lock"

install_complete() {
    [ -f "$STAMP" ] && cmp -s "$STAMP" "$SRC/package-lock.json" &&
        [ -d "$DEST/node_modules/playwright-core" ]
}

check_tools() {
    command -v node >/dev/null || herald_die "node not found; run scripts/deps.sh (Debian nodejs)"
    command -v npm >/dev/null || herald_die "npm not found; run scripts/deps.sh (Debian npm)"
}

install_packages() {
    herald_log "npm ci in $DEST (playwright-core, pinned by tests/browser/package-lock.json)"
    mkdir -p "$DEST"
    rm -f "$STAMP"
    cp "$SRC/package.json" "$SRC/package-lock.json" "$DEST/"
    (
        cd "$DEST"
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund \
            --loglevel=error >&2
    ) || herald_die "npm ci failed"
    cp "$SRC/package-lock.json" "$STAMP"
}

main() {
    if ! install_complete; then
        check_tools
        mkdir -p "$HERALD_CACHE"
        herald_lock node
        install_complete || install_packages
    fi
    echo "$DEST/node_modules"
}

main "$@"
