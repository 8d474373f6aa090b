#!/usr/bin/env bash
# install-system-deps installs the system tools that the deploy suites and the
# benchmarks use, from Debian's packages, when they are missing:
#
#   docker-compose  `docker-compose config` checks docker-compose.yml
#   prometheus      promtool checks the alert rules; the prometheus binary scrapes the services in a test
#   nghttp2-client  nghttp/h2load for gRPC spot checks and benchmarks
#   wrk             HTTP load for the gateway benchmarks
#   python3-grpcio, python3-protobuf
#                   a gRPC backend on gRPC core for the gateway's differential suite
#   chromium       headless Chromium runs Swagger UI for the docs page's "Try it out" test
#   golang-go, golang-google-grpc-dev
#                   a grpc-go backend for the same suite, built offline in GOPATH mode
#   protobuf-compiler, golang-goprotobuf-dev, golang-github-grpc-ecosystem-grpc-gateway-dev
#                   Go's grpc-gateway, the gateway benchmark's peer (bench/gateway/peers.ts)
#
# It is idempotent and quiet when everything is there, runs `apt-get update`
# once before installing, never starts the daemons the packages ship, and
# never fails its caller: without apt (or without root) it says what is
# missing and exits 0, and the suites that need a missing tool skip with a
# warning naming it.
set -u

# command -> Debian package that provides it
tools=(
  "docker-compose:docker-compose"
  "promtool:prometheus"
  "prometheus:prometheus"
  "nghttp:nghttp2-client"
  "wrk:wrk"
  "chromium:chromium"
)

# Packages found by a check other than a command on PATH.
have_python_grpcio() { /usr/bin/python3 -c 'import grpc, google.protobuf' >/dev/null 2>&1; }
have_grpc_go() { [ -d /usr/share/gocode/src/google.golang.org/grpc ] && [ -d /usr/share/gocode/src/google.golang.org/genproto ]; }

missing=()
have_python_grpcio || missing+=(python3-grpcio python3-protobuf)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
have_grpc_go || missing+=(golang-google-grpc-dev)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
[ -x /usr/bin/protoc-gen-go ] || missing+=(golang-goprotobuf-dev)
[ -d /usr/share/gocode/src/github.com/grpc-ecosystem/grpc-gateway ] || missing+=(golang-github-grpc-ecosystem-grpc-gateway-dev)
for entry in "${tools[@]}"; do
  cmd=${entry%%:*}
  pkg=${entry#*:}
  if ! command -v "$cmd" >/dev/null 2>&1; then
    case " ${missing[*]-} " in
      *" $pkg "*) ;;
      *) missing+=("$pkg") ;;
    esac
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

say() { printf 'install-system-deps: %s\n' "$*"; }

if ! command -v apt-get >/dev/null 2>&1; then
  say "apt-get is not available; not installed: ${missing[*]} (the suites that need them will skip)"
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    say "not root and no password-less sudo; not installed: ${missing[*]} (the suites that need them will skip)"
    exit 0
  fi
fi

say "installing ${missing[*]}"
# Keep the packages' init scripts from starting daemons (prometheus would
# otherwise listen on :9090): invoke-rc.d asks policy-rc.d first.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  if printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null 2>&1 && "${sudo[@]}" chmod 755 "$policy"; then
    created_policy=1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
status=0
if ! "${sudo[@]}" apt-get update -qq >/dev/null 2>&1; then
  say "apt-get update failed; trying to install from the lists already on the machine"
fi
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/install-system-deps.log 2>&1; then
  status=1
fi

if [ "$created_policy" -eq 1 ]; then
  "${sudo[@]}" rm -f "$policy"
fi

if [ "$status" -ne 0 ]; then
  say "apt-get install failed (log: /tmp/install-system-deps.log); the suites that need ${missing[*]} will skip"
  tail -n 5 /tmp/install-system-deps.log 2>/dev/null | sed 's/^/  /'
  exit 0
fi
for entry in "${tools[@]}"; do
  cmd=${entry%%:*}
  command -v "$cmd" >/dev/null 2>&1 || say "still missing after install: $cmd"
done
say "done"
exit 0
