#!/usr/bin/env bash
# Finds or builds the Pulumi CLI this repository runs the engine with, and prints the directory
# that holds it, with the dynamic-provider shim beside it, as the last line of stdout. Progress
# and errors go to stderr. Safe to run any number of times; docs/engine.md explains the choices.
#
# Order: a new enough `pulumi` on PATH; else the pinned CLI in the cache; else build the pinned
# CLI into the cache with Go; else fail with instructions.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="$root/scripts/pulumi-cli"
# The CLI version is pinned in one place: the wrapper module's requirement on pkg/v3.
version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { sub(/^v/, "", $2); print $2 }' "$module/go.mod")"
cache="${PULUMI_YOTTA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-yotta}/pulumi-cli"
pinned_bin="$cache/v$version/bin"
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

# Prints the X.Y.Z a CLI reports (`v3.248.0`, possibly with a pre-release suffix), or nothing.
cli_version() {
  "$1" version 2>/dev/null | sed -n 's/^v\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' | head -n 1
}

# at_least A B: version A >= version B.
at_least() {
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]
}

# Copies the shim from the installed @pulumi/pulumi into a directory we own. It is refreshed on
# every run so it always matches node_modules; the rename keeps a running engine from reading a
# half-written script.
install_shim() {
  local source="$root/node_modules/@pulumi/pulumi/$shim" tmp
  [ -f "$source" ] || die "$source is missing" "Run \`npm ci\` in $root first."
  tmp="$(mktemp "$1/.$shim.XXXXXX")"
  cp "$source" "$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "$1/$shim"
}

report_language_host() {
  if [ -x "$1/$language_host" ] || command -v "$language_host" >/dev/null 2>&1; then
    log "$language_host found: \`pulumi up\` can run Pulumi.yaml projects too"
  else
    log "$language_host not found: run programs through the Automation API (inline programs);" \
      "\`pulumi up\` on a Pulumi.yaml project needs a full Pulumi install (docs/engine.md)"
  fi
}

finish() {
  log "using Pulumi CLI v$(cli_version "$1/pulumi") in $1"
  report_language_host "$1"
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

# (a) A pulumi on PATH that is new enough: a newer CLI runs an older SDK's programs fine.
if found="$(command -v pulumi 2>/dev/null)"; then
  real="$(readlink -f "$found")"
  found_version="$(cli_version "$real")"
  if [ -n "$found_version" ] && at_least "$found_version" "$version"; then
    real_dir="$(dirname "$real")"
    # The Automation API wants <root>/bin/pulumi; a directory that already has the shim and that
    # shape is used as it is. Otherwise we do not write into someone else's install: link the CLI
    # (and its language host) into a directory of ours and put the shim there.
    if [ -x "$real_dir/$shim" ] && [ "$(basename "$real_dir")" = bin ]; then
      finish "$real_dir"
    fi
    linked="$cache/path/bin"
    mkdir -p "$linked"
    ln -sfn "$real" "$linked/pulumi"
    if [ -x "$real_dir/$language_host" ]; then
      ln -sfn "$real_dir/$language_host" "$linked/$language_host"
    else
      rm -f "$linked/$language_host"
    fi
    install_shim "$linked"
    finish "$linked"
  fi
  log "ignoring $found: version ${found_version:-unknown}, need $version or newer"
fi

# (b) The pinned CLI, built earlier.
if [ -x "$pinned_bin/pulumi" ] && [ "$(cli_version "$pinned_bin/pulumi")" = "$version" ]; then
  install_shim "$pinned_bin"
  finish "$pinned_bin"
fi

# (c) Build the pinned CLI from the Go module proxy.
if ! command -v go >/dev/null 2>&1; then
  die "no Pulumi CLI $version or newer on PATH, none cached in $pinned_bin, and no Go to build one." \
    "Either install Pulumi (https://www.pulumi.com/docs/install/) and put \`pulumi\` on PATH," \
    "or install Go 1.25 or newer (https://go.dev/doc/install) and run this script again:" \
    "it builds Pulumi v$version into $pinned_bin (a few minutes, once)."
fi

log "building Pulumi CLI v$version with $(go version | cut -d ' ' -f 3) into $pinned_bin"
log "with empty Go caches this fetches about 250 modules (1.3 GB) and takes 3 to 5 minutes"
# With the lock held no other build is running: a staging directory is what a killed run left.
if $locked; then rm -rf "$cache"/.build-*; fi
# Build beside the destination and rename it into place when complete, so an interrupted or
# failed build never looks finished.
staging="$(mktemp -d "$cache/.build-v$version.XXXXXX")"
# bash runs the EXIT trap on errors and on SIGINT, SIGTERM and SIGHUP alike.
trap 'rm -rf "$staging"' EXIT
started=$SECONDS
# The checksum database does not know these pulumi module versions; go.sum, which is committed,
# still pins their hashes. The flags are the ones Pulumi's own releases use; without the -X the
# CLI reports no version and the Automation API refuses it.
(
  cd "$module"
  GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi" CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$staging/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
) >&2 || die "go build of Pulumi v$version failed (messages above)"

built_version="$(cli_version "$staging/pulumi")"
[ "$built_version" = "$version" ] || die "the built CLI reports version '${built_version}', expected $version"
install_shim "$staging"
rm -rf "$pinned_bin"
mkdir -p "$(dirname "$pinned_bin")"
chmod 755 "$staging"
mv "$staging" "$pinned_bin"
log "built in $((SECONDS - started))s"
finish "$pinned_bin"
