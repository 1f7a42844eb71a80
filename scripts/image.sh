#!/usr/bin/env bash
# The worker's container image (Containerfile), built and smoke-tested on a machine where no
# container registry can be reached and `podman run` does not work (crun: rlimits, cgroups):
#
#   bash scripts/image.sh build   # the local base image (once), then podman build --isolation=chroot
#   bash scripts/image.sh smoke   # the image's worker completes a job dispatched from this checkout
#   bash scripts/image.sh test    # both, then the image size and the timings (npm run test:image)
#
# The base stands in for docker.io/library/node:24-bookworm-slim: `debootstrap --variant=minbase
# bookworm` from this machine's Debian mirror, trimmed as debian:bookworm-slim is, Node from the
# project's cache (scripts/ensure-node.sh) and npm in /usr/local, and a `node` user (uid 1000), as
# in the official image. Its root file system is kept as a tar in the cache and `podman import`ed as
# localhost/ga-node24-base:<node version>.
#
# The smoke test runs the image as a container runtime would (its user, environment, working
# folder and command), with chroot in the mounted image: the root file system read-only, /tmp a
# tmpfs, /proc and /dev mounted, the host's network. The worker serves a task queue of its own
# against the local services (scripts/services.sh up), so no other worker takes the job;
# test/image/smoke.ts dispatches from the host and checks the outputs in S3 and the record.
#
# Needs root (debootstrap, mount, chroot); installs debootstrap and podman with apt when missing.
# Env: GA_CACHE_DIR (the base's tar and npm), GA_IMAGE (default localhost/grouped-analysis-worker),
#      GA_DEBIAN_MIRROR (default: the machine's apt source for bookworm main).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${GA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis}"
IMAGE="${GA_IMAGE:-localhost/grouped-analysis-worker}"
SUITE="bookworm"
# The npm that Node 24.22.3 bundles (its CHANGELOG: "upgrade npm to 11.19.1"), as the official image has.
NPM_VERSION="11.19.1"
NPM_SHA512="cedb312b1b7f92421a02cfb68b4194e88f8346651dacd6acc5364a25ef5309d4a32b19616a1ff8aff865e7280c0fa5c0835a99f5cd93368991e2a80ec9da75d2"
# The JSON line the worker prints once it polls (src/temporal/worker-started.ts).
STARTED='"msg":"worker started"'

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "run as root: debootstrap, podman's storage, mount and chroot need it"
NODE_BIN="$(bash "$ROOT/scripts/ensure-node.sh" | tail -n1)"
export PATH="$NODE_BIN:$PATH"
NODE_VERSION="$("$NODE_BIN/node" --version)"; NODE_VERSION="${NODE_VERSION#v}"
BASE_IMAGE="localhost/ga-node24-base:$NODE_VERSION"
BASE_TAR="$CACHE/image-base-$SUITE-node$NODE_VERSION-npm$NPM_VERSION.tar"

need() { # command, Debian package
  command -v "$1" >/dev/null && return 0
  log "installing $2 (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
    || die "apt-get install $2 failed (run apt-get update?)"
}

debian_mirror() {
  if [[ -n "${GA_DEBIAN_MIRROR:-}" ]]; then echo "$GA_DEBIAN_MIRROR"; return; fi
  # Whatever the sources' format (one-line or deb822), as apt itself reads them.
  # shellcheck disable=SC2016 # $(SITE) etc. are apt's placeholders, not the shell's
  apt-get indextargets --format '$(SITE) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' \
    | awk -v s="$SUITE" '$2 == s && $3 == "main" { print $1; exit }' | grep . \
    || die "no apt source for $SUITE main on this machine: set GA_DEBIAN_MIRROR (e.g. http://deb.debian.org/debian)"
}

# The base's root file system as a tar, made once: minbase Debian + Node + npm + the node user.
make_base_tar() {
  need debootstrap debootstrap
  local mirror; mirror="$(debian_mirror)"
  rm -rf "$CACHE"/.image-base.* # a killed run's leftovers (this process holds the lock)
  local tmp; tmp="$(mktemp -d "$CACHE/.image-base.XXXXXX")"
  local rootfs="$tmp/rootfs"
  log "debootstrap --variant=minbase $SUITE from $mirror"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $tmp/debootstrap.log: $(tail -n 5 "$tmp/debootstrap.log")"
  # What debian:bookworm-slim leaves out: package lists and archives, docs (not the copyrights),
  # man and info pages, translations.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

  # Node and npm where the official image has them.
  local node_dir; node_dir="$(dirname "$NODE_BIN")"
  cp -a "$node_dir/bin/node" "$rootfs/usr/local/bin/node"
  cp -a "$node_dir/include/." "$rootfs/usr/local/include/"
  cp -a "$node_dir/share/." "$rootfs/usr/local/share/"
  local npm_tgz="$CACHE/npm-$NPM_VERSION.tgz"
  if [[ ! -f "$npm_tgz" ]]; then
    (cd "$tmp" && npm pack "npm@$NPM_VERSION" --silent >/dev/null) || die "npm pack npm@$NPM_VERSION failed (is the npm registry reachable?)"
    mv "$tmp/npm-$NPM_VERSION.tgz" "$npm_tgz"
  fi
  [[ "$(sha512sum "$npm_tgz" | cut -d' ' -f1)" == "$NPM_SHA512" ]] || { rm -f "$npm_tgz"; die "npm-$NPM_VERSION.tgz has the wrong sha512 (removed; run again)"; }
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  [[ "$(chroot "$rootfs" /usr/local/bin/node --version) $(chroot "$rootfs" /usr/local/bin/npm --version)" == "v$NODE_VERSION $NPM_VERSION" ]] \
    || die "node or npm does not run in the base's root file system ($rootfs)"

  tar -C "$rootfs" --numeric-owner -cf "$tmp/base.tar" .
  mv "$tmp/base.tar" "$BASE_TAR"
  rm -rf "$tmp"
}

# The local base image: from the cached tar, the tar made first if missing. Prints what it did.
ensure_base() {
  need podman podman
  podman image exists "$BASE_IMAGE" && { echo "cached"; return; }
  mkdir -p "$CACHE"
  exec 8>"$CACHE/image-base.lock"
  flock 8 # one maker at a time; the others wait and find it made
  podman image exists "$BASE_IMAGE" && { echo "cached"; return; }
  local start=$SECONDS made="imported from $BASE_TAR"
  if [[ ! -f "$BASE_TAR" ]]; then make_base_tar; made="made"; fi
  podman import --quiet \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=$NODE_VERSION" --change 'CMD ["node"]' \
    "$BASE_TAR" "$BASE_IMAGE" >/dev/null
  echo "$made in $((SECONDS - start)) s"
}

image_mb() { echo $(( $(podman image inspect --format '{{.Size}}' "$1") / 1000000 )); }

build() {
  local base; base="$(ensure_base)"
  log "base $BASE_IMAGE: $base"
  # The host's npm registry and the CA bundle its npm trusts (npm's `cafile`, else
  # NODE_EXTRA_CA_CERTS; here a TLS-intercepting proxy's) reach the build's npm as the secrets
  # `npmrc` and `npm-ca` (Containerfile): nothing of them stays in the image.
  npmrc="$(mktemp)"; chmod 600 "$npmrc"
  trap 'rm -f "$npmrc"' EXIT
  echo "registry=$(npm config get registry)" >"$npmrc"
  local cafile ca=(); cafile="$(npm config get cafile)"
  [[ -f "$cafile" ]] || cafile="${NODE_EXTRA_CA_CERTS:-}"
  if [[ -n "$cafile" && -f "$cafile" ]]; then
    echo "cafile=/run/secrets/npm-ca" >>"$npmrc"
    ca=(--secret "id=npm-ca,src=$cafile")
  fi
  local built=$SECONDS
  log "podman build -t $IMAGE (BASE=$BASE_IMAGE)"
  podman build --isolation=chroot --pull=never --build-arg "BASE=$BASE_IMAGE" \
    --secret "id=npmrc,src=$npmrc" "${ca[@]}" -t "$IMAGE" -f "$ROOT/Containerfile" "$ROOT" >&2 \
    || die "podman build failed (output above)"
  log "built $IMAGE in $((SECONDS - built)) s: $(image_mb "$IMAGE") MB (base $(image_mb "$BASE_IMAGE") MB)"
  echo "base: $base; build: $((SECONDS - built)) s; image: $(image_mb "$IMAGE") MB"
}

# What smoke() set up, undone on exit whatever happened: the worker, the mounts, the temp folder.
worker_pid="" root="" work=""
smoke_cleanup() {
  [[ -n "$worker_pid" ]] && kill -KILL "$worker_pid" 2>/dev/null
  if [[ -n "$root" ]]; then
    umount -R "$root/dev" 2>/dev/null; umount "$root/proc" "$root/tmp" 2>/dev/null
    podman image unmount "$IMAGE" >/dev/null 2>&1
  fi
  [[ -n "$work" ]] && rm -rf "$work"
  return 0
}

smoke() {
  local start=$SECONDS
  bash "$ROOT/scripts/services.sh" up >&2
  podman image exists "$IMAGE" || die "no image $IMAGE: run bash scripts/image.sh build first"
  local queue; queue="image-smoke-$(cat /proc/sys/kernel/random/uuid)"
  local user workdir home
  user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
  workdir="$(podman image inspect --format '{{.Config.WorkingDir}}' "$IMAGE")"
  [[ -n "$user" && "$user" != root && "$user" != 0* ]] || die "$IMAGE runs as root (Config.User \"$user\"); the Containerfile must name a non-root USER"
  local -a image_env command services_env
  mapfile -t image_env < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | grep .)
  mapfile -t command < <(podman image inspect --format '{{range .Config.Entrypoint}}{{println .}}{{end}}{{range .Config.Cmd}}{{println .}}{{end}}' "$IMAGE" | grep .)
  # The services' addresses and local credentials, as a deployment would set them; not the host's CLI path.
  mapfile -t services_env < <(bash "$ROOT/scripts/services.sh" env | grep -E '^[A-Z0-9_]+=' | grep -v '^TEMPORAL_CLI=')

  trap smoke_cleanup EXIT
  work="$(mktemp -d)"
  root="$(podman image mount "$IMAGE")"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  home="$(awk -F: -v u="${user%%:*}" '$1 == u || $3 == u { print $6; exit }' "$root/etc/passwd")"
  # Production dependencies only: npm's record of what it installed flags no package dev-only.
  local dev; dev="$(node -e 'const l = require(process.argv[1]); console.log(Object.keys(l.packages).filter((p) => l.packages[p].dev).join(" "))' \
    "$root$workdir/node_modules/.package-lock.json")" || die "no $workdir/node_modules/.package-lock.json in $IMAGE (not installed with npm ci?)"
  [[ -z "$dev" ]] || die "$IMAGE holds dev dependencies: $dev"

  log "starting the image's worker (${command[*]}, user $user) on task queue $queue"
  # shellcheck disable=SC2016 # the inner sh expands $0 and $@
  chroot --userspec="$user" "$root" /usr/bin/env -i "${image_env[@]}" HOME="${home:-/}" \
    "${services_env[@]}" TEMPORAL_TASK_QUEUE="$queue" \
    /bin/sh -c 'cd "$0" && exec "$@"' "$workdir" "${command[@]}" >"$work/worker.log" 2>&1 &
  worker_pid=$! # chroot, env and sh exec: this is the worker's pid, part of its Temporal identity
  local deadline=$((SECONDS + 120))
  until grep -q "$STARTED" "$work/worker.log"; do
    kill -0 "$worker_pid" 2>/dev/null || { worker_pid=""; die "the image's worker exited during start-up:
$(tail -n 20 "$work/worker.log")"; }
    ((SECONDS < deadline)) || die "the image's worker did not start within 120 s:
$(tail -n 20 "$work/worker.log")"
    sleep 0.5
  done
  local started; started="$(grep -m1 "$STARTED" "$work/worker.log")"
  local code_version; code_version="$(node -p 'JSON.parse(process.argv[1]).codeVersion' "$started")"
  log "worker up after $((SECONDS - start)) s (code version $code_version)"

  # The dispatcher keys the job with the image's code version: the image's worker refuses any other.
  (cd "$ROOT" && GA_CODE_VERSION="$code_version" TEMPORAL_TASK_QUEUE="$queue" \
    npx tsx test/image/smoke.ts --task-queue "$queue" --worker-identity "$worker_pid@$(hostname)" >&2) \
    || die "smoke test failed; the image's worker printed:
$(tail -n 30 "$work/worker.log")"

  # A container stop is SIGTERM: the worker must drain and exit 0 within its grace time (30 s).
  kill -TERM "$worker_pid"
  deadline=$((SECONDS + 45))
  while kill -0 "$worker_pid" 2>/dev/null; do
    ((SECONDS < deadline)) || die "the image's worker did not exit within 45 s of SIGTERM"
    sleep 0.5
  done
  local rc=0; wait "$worker_pid" || rc=$?
  worker_pid=""
  ((rc == 0)) || die "the image's worker exited with code $rc on SIGTERM:
$(tail -n 20 "$work/worker.log")"
  log "smoke test passed in $((SECONDS - start)) s (the worker stopped cleanly on SIGTERM)"
  echo "smoke: $((SECONDS - start)) s"
}

case "${1:-}" in
  build) build >/dev/null ;;
  smoke) smoke >/dev/null ;;
  test)
    b="$(build)"; s="$(smoke)"
    echo "[image] $IMAGE — $b; $s"
    ;;
  *) echo "usage: $0 build|smoke|test" >&2; exit 2 ;;
esac
