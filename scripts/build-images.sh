#!/usr/bin/env bash
# build-images builds one image per shopmesh process from the Dockerfile:
#
#   scripts/build-images.sh [--push] [TAG] [REPOSITORY_PREFIX]
#
# TAG defaults to the version in package.json; REPOSITORY_PREFIX to
# "shopmesh" (images shopmesh/users:0.1.0, ...). With a registry, for
# example `scripts/build-images.sh --push 0.2.0 registry.example.com/shopmesh`.
# Needs a Docker engine with BuildKit.
set -euo pipefail
cd "$(dirname "$0")/.."

push=0
if [ "${1:-}" = "--push" ]; then push=1; shift; fi
tag="${1:-$(node -p 'require("./package.json").version')}"
prefix="${2:-shopmesh}"
if [ "$tag" = "latest" ]; then
  echo "build-images: pick a version tag, not latest" >&2
  exit 2
fi

for app in $(node scripts/bundle.js --list); do
  image="$prefix/$app:$tag"
  echo "build-images: $image"
  DOCKER_BUILDKIT=1 docker build --build-arg "SERVICE=$app" -t "$image" .
  if [ "$push" -eq 1 ]; then docker push "$image"; fi
done
