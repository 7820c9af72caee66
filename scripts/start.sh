#!/usr/bin/env bash
# First command of the README: install what is missing, build, and run Switchyard standalone
# (api + scheduler + worker in one process). Without REDIS_URL it starts a local redis-server;
# without --config it serves a demo config routed to built-in mock upstreams.
#   bash scripts/start.sh [--config FILE] [--port N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec node services/cli/dist/main.js start "$@"
