#!/usr/bin/env bash
# Second command of the README: install what is missing, build, run every test (unit tests and
# cross-process tests on a real Redis), and end with one line "N passed, N failed".
#   bash scripts/test.sh [vitest filters...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
mkdir -p .switchyard
results=.switchyard/test-results.json
rm -f "$results"
set +e
$PNPM exec vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
status=$?
set -e
node -e '
const fs = require("fs");
const f = process.argv[1];
if (!fs.existsSync(f)) { console.log("0 passed, 1 failed"); process.exit(0); }
const r = JSON.parse(fs.readFileSync(f, "utf8"));
const failed = r.numFailedTests + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
exit "$status"
