#!/usr/bin/env bash
# Builds the deployer's OCI image (`npm run image`) with buildah, from Debian's archive and the
# lock file alone: no registry is contacted. Two steps, each cached:
#   base  localhost/sdp-slurm-deployer-base:<suite>  a minimal Debian root (debootstrap) with
#         Debian's nodejs and a user sdp (uid 10001); made once, ~1 min
#   app   localhost/sdp-slurm-deployer:<version>     the npm package (npm pack) and its production
#         dependencies (npm ci --omit=dev) on that base (scripts/image/Containerfile)
# The app image is labelled with a digest of what went into it and is not built again while
# that digest is unchanged. Options: --force (rebuild the app), --rebuild-base (both).
# Prints the image reference last. Needs root; installs buildah and debootstrap when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

SUITE=${IMAGE_DEBIAN_SUITE:-trixie} # trixie's nodejs is 20.19: the oldest engines.node allows
MIRROR=${IMAGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
NAME=localhost/sdp-slurm-deployer
BASE=localhost/sdp-slurm-deployer-base:$SUITE
STORAGE=(--storage-driver vfs) # no overlay support on these machines
force=0 rebuild_base=0
for arg in "$@"; do
  case $arg in
    --force) force=1 ;;
    --rebuild-base) force=1 rebuild_base=1 ;;
    *) echo "usage: scripts/image-build.sh [--force] [--rebuild-base]" >&2 && exit 2 ;;
  esac
done
say() { echo "image-build: $*" >&2; }

need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
if ((${#need[@]})); then
  say "installing ${need[*]} from Debian"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 "${need[@]}"; } >&2
fi

has_image() { buildah "${STORAGE[@]}" inspect --type image "$1" >/dev/null 2>&1; }

build_base() {
  local root ctr started=$SECONDS
  root=$(mktemp -d /var/tmp/sdp-deployer-root.XXXXXX)
  cleanup+=("$root")
  say "debootstrap $SUITE (minbase + nodejs) from $MIRROR"
  debootstrap --variant=minbase --include=nodejs,ca-certificates "$SUITE" "$root" "$MIRROR" >&2
  # Nothing in the image installs packages: drop the package caches, lists, docs and locales;
  # and glibc's iconv modules (Node converts with ICU).
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info "$root"/usr/share/locale \
    "$root"/var/log/* "$root"/tmp/* "$root"/var/cache/debconf/*-old "$root"/usr/lib/*/gconv
  echo 'sdp:x:10001:10001:sdp-slurm-deployer:/nonexistent:/usr/sbin/nologin' >>"$root/etc/passwd"
  echo 'sdp:x:10001:' >>"$root/etc/group"
  ctr=$(buildah "${STORAGE[@]}" from scratch)
  buildah "${STORAGE[@]}" copy "$ctr" "$root" / >/dev/null
  buildah "${STORAGE[@]}" config --label "org.opencontainers.image.base.name=debian:$SUITE (debootstrap minbase)" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah "${STORAGE[@]}" commit --rm "$ctr" "$BASE" >/dev/null
  rm -rf "$root"
  say "base $BASE made in $((SECONDS - started)) s"
}

cleanup=()
trap 'rm -rf "${cleanup[@]}"' EXIT
image_id() { buildah "${STORAGE[@]}" inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true; }
# An image replaced by a new build is removed (if nothing else uses it), not left dangling.
drop_replaced() { [[ -z $1 || $1 == "$(image_id "$2")" ]] || buildah "${STORAGE[@]}" rmi "$1" >/dev/null 2>&1 || true; }

if ((rebuild_base)) || ! has_image "$BASE"; then
  old_base=$(image_id "$BASE")
  build_base
  drop_replaced "$old_base" "$BASE"
fi

# The app: what `npm pack` ships, compiled first (IMAGE_USE_DIST=1: dist/ is fresh, as in the
# live spec, which runs from it), with the production dependencies of the lock file.
[[ ${IMAGE_USE_DIST:-0} == 1 && -f dist/bin/main.js ]] || npm run --silent build >&2
stage=$(mktemp -d /var/tmp/sdp-deployer-app.XXXXXX)
cleanup+=("$stage")
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$stage" | tail -n 1)
mkdir "$stage/app"
tar -xzf "$stage/$tarball" -C "$stage/app" --strip-components 1
cp package-lock.json "$stage/app/"
digest=$(cat "$stage/$tarball" package-lock.json scripts/image/Containerfile scripts/image-build.sh |
  sha256sum | cut -c1-16)
version=$(node -p "require('./package.json').version")
ref=$NAME:$version

if ((!force)) && has_image "$ref" &&
  [[ $(buildah "${STORAGE[@]}" inspect --type image --format '{{index .OCIv1.Config.Labels "sdp-slurm-deployer.app-digest"}}' "$ref") == "$digest" ]]; then
  say "$ref is up to date (app digest $digest)"
  echo "$ref"
  exit 0
fi

started=$SECONDS
old_app=$(image_id "$ref")
(cd "$stage/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
rm -f "$stage/app/package-lock.json" "$stage/$tarball"
# What only compilers, debuggers and readers use: type declarations, source maps, docs, sources.
find "$stage/app/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
  -o -name '*.md' ! -iname 'license*' \) -delete
rm -rf "$stage/app/node_modules/rxjs/src" "$stage/app/node_modules/@types"
# Where the image came from: the full commit and package.json's repository as a URL (IMAGE_SOURCE
# overrides it), never the clone's own path; a label that cannot be known is left out, not guessed.
labels=()
revision=$(git -C "$repo" rev-parse --verify --quiet HEAD 2>/dev/null || true)
[[ -n $revision ]] && labels+=(--label "org.opencontainers.image.revision=$revision")
source=${IMAGE_SOURCE:-$(node -e '
  const r = require("./package.json").repository;
  const url = (typeof r === "string" ? r : r?.url ?? "").replace(/^git\+/, "").replace(/\.git$/, "");
  // The shorthands npm accepts: github:owner/name, gitlab:..., bitbucket:..., and a bare owner/name (GitHub).
  const hosts = { github: "github.com", gitlab: "gitlab.com", bitbucket: "bitbucket.org" };
  const short = /^(?:(github|gitlab|bitbucket):)?([\w.-]+\/[\w.-]+)$/.exec(url);
  console.log(short ? `https://${hosts[short[1] ?? "github"]}/${short[2]}` : url);
')}
if [[ -n $source ]]; then
  labels+=(--label "org.opencontainers.image.source=$source")
else
  say "package.json has no repository: the image gets no org.opencontainers.image.source label"
fi
buildah "${STORAGE[@]}" bud --pull-never --layers=false -f scripts/image/Containerfile \
  --build-arg "BASE=$BASE" --build-arg "VERSION=$version" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --build-arg "APP_DIGEST=$digest" "${labels[@]}" \
  -t "$ref" -t "$NAME:latest" "$stage" >&2
drop_replaced "$old_app" "$ref"
size=$(buildah "${STORAGE[@]}" images --format '{{.Size}}' "$ref" | sed -n 1p)  # sed reads to the end: no SIGPIPE (pipefail) when buildah lists two tags
say "$ref built in $((SECONDS - started)) s, size $size"
echo "$ref"
