# shellcheck shell=bash disable=SC2034 # the variables here are used by the scripts sourcing it
# Shared settings for deploy/images/build and deploy/images/smoke; they source this file, it is not run.

# shellcheck source-path=SCRIPTDIR source=../local/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/env.sh"

IMAGES_DIR="$ROOT/deploy/images"
# The base image, its tar and Jib's layer caches: under target/ (gitignored), not the user's cache dir.
BUILD_DIR="${EVENTSHOP_IMAGES_BUILD_DIR:-$ROOT/target/images}"
# Our settings for podman (runc, lower ulimits); the machine's containers.conf is left alone.
export CONTAINERS_CONF="$IMAGES_DIR/containers.conf"

# Image names as Quarkus makes them: eventshop/<artifactId>:<project version>.
PROJECT_VERSION="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$ROOT/pom.xml" | head -n 1)"
[[ -n "$PROJECT_VERSION" ]] || die "cannot read the project version from $ROOT/pom.xml"
# EVENTSHOP_IMAGE_TAG picks other images for the smoke test (say, ones made to show that it fails).
IMAGE_TAG="${EVENTSHOP_IMAGE_TAG:-$PROJECT_VERSION}"
image_of() { printf 'eventshop/%s:%s' "$1" "$IMAGE_TAG"; }

# Inside a container every service listens on the Quarkus defaults (common-events'
# microprofile-config.properties sets them in the image); the Kubernetes manifests use them too.
IMAGE_HTTP_PORT=8080
IMAGE_MANAGEMENT_PORT=9000

# Installs podman and runc when missing (Debian, as root), as deploy/local/test installs promtool.
ensure_podman() {
  local missing=() tool
  for tool in podman runc; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) && return 0
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    info "installing podman and runc (apt-get install podman runc fuse-overlayfs); missing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc fuse-overlayfs >/dev/null ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc fuse-overlayfs >/dev/null; } ||
      die "could not install podman: apt-get install podman runc fuse-overlayfs"
  else
    die "podman and runc are needed (missing: ${missing[*]}): apt-get install podman runc fuse-overlayfs, as root"
  fi
}
