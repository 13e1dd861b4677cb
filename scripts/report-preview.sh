#!/bin/sh
# Regenerates the rendering snapshots (tests/snapshots/) and the browser screenshots, so a
# template change can be reviewed by eye before the snapshots are committed:
#   scripts/report-preview.sh            # rewrite snapshots, run the report tests
#   git diff tests/snapshots/            # review what changed
# Screenshots (first screen, one document, an open finding, print media) are written to
# $CARGO_TARGET_DIR/tmp/report-browser*.png (target/tmp/ by default). Needs `chromium`.
set -eu
cd "$(dirname "$0")/.."
CLAUSEGAP_UPDATE_SNAPSHOTS=1 cargo test --test report -- --nocapture "$@"
echo "screenshots: $(ls "${CARGO_TARGET_DIR:-target}"/tmp/report-browser*.png 2>/dev/null | tr '\n' ' ')"
