#!/usr/bin/env bash
# npm ci when node_modules is missing or was installed from another lock file (sourced by test.sh
# and demo.sh). Compared by content, not by date (a fresh checkout's lock file is newer than any
# install), and never through a symlink: a worktree that borrows another checkout's node_modules
# would empty it under its owner.
installed_lock=node_modules/.package-lock.json
if [[ -L node_modules ]]; then
  echo "node_modules is a symlink; not reinstalling it (run npm ci where it lives if it is stale)" >&2
elif [[ ! -f $installed_lock ]] || ! node -e '
  const [a, b] = [process.argv[1], process.argv[2]].map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")).packages);
  delete a[""];
  const same = (x, y) => JSON.stringify(Object.keys(x).sort().map((k) => [k, x[k].version, x[k].integrity])) === JSON.stringify(Object.keys(y).sort().map((k) => [k, y[k].version, y[k].integrity]));
  process.exit(same(a, b) ? 0 : 1);
' package-lock.json "$installed_lock"; then
  npm ci --no-audit --no-fund
fi
