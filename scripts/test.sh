#!/usr/bin/env bash
# Runs every test from a fresh clone: installs the npm packages, builds, starts the local
# stack (installing Debian's etcd and Slurm packages when missing), runs mocha, and stops
# the stack again if this script started it. `npm test` and .ci/run call this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm ci when node_modules is missing or older than the lock file.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npx tsc -p tsconfig.json

# A stack that was already up (a developer's) is left running; one started here is stopped.
started_here=1
if (exec 3<>/dev/tcp/127.0.0.1/16820) 2>/dev/null; then started_here=0; fi
bash scripts/stack-start.sh
if ((started_here)); then trap 'bash scripts/stack-stop.sh >/dev/null || true' EXIT; fi

npx mocha "$@"
