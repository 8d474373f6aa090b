#!/usr/bin/env bash
# blue-green switches live traffic to the other track of the prod overlay,
# after checking that every part of that track is healthy:
#
#   scripts/blue-green.sh [-n NAMESPACE] [--dry-run] blue|green
#
# 1. every Deployment of the track (the six services and the gateway) has
#    rolled out and all its replicas are updated, ready and available;
# 2. from a gateway pod of the track, every pod of every service of the
#    track answers grpc.health.v1 Check with SERVING (scripts/grpc-health.js);
# 3. that gateway's /readyz is 200: it reaches every backend and each is SERVING;
# 4. only then the selector of the Service `gateway`, which the Ingress
#    sends every request to, is patched to the track; its endpoints are
#    checked to be the track's gateway pods;
# 5. k8s/overlays/prod/gateway-service.yaml is rewritten to the new track,
#    so the next `kubectl apply -k k8s/overlays/prod` keeps it: commit it.
#
# Rolling back is the same command with the other track. Exit codes: 0
# switched (or already live), 1 a check failed and nothing was switched,
# 2 usage.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
kubectl="${KUBECTL:-kubectl}"
namespace="${NAMESPACE:-shop}"
timeout="${ROLLOUT_TIMEOUT:-300s}"
service_file="${GATEWAY_SERVICE_FILE:-$here/../k8s/overlays/prod/gateway-service.yaml}"
dry_run=0
target=""

usage() {
  echo "usage: scripts/blue-green.sh [-n NAMESPACE] [--dry-run] blue|green" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    -n|--namespace) [ $# -ge 2 ] || usage; namespace="$2"; shift 2 ;;
    --namespace=*) namespace="${1#*=}"; shift ;;
    --dry-run) dry_run=1; shift ;;
    blue|green) [ -z "$target" ] || usage; target="$1"; shift ;;
    *) usage ;;
  esac
done
[ -n "$target" ] || usage

services=(users catalog inventory orders payments shipping)
apps=("${services[@]}" gateway)
k() { "$kubectl" -n "$namespace" "$@"; }
fail() { echo "blue-green: $*; traffic stays where it is." >&2; exit 1; }

live="$(k get service gateway -o 'jsonpath={.spec.selector.track}')" || fail "cannot read Service gateway in namespace $namespace"
echo "blue-green: live track is ${live:-<none>}, switching to $target (namespace $namespace)"
if [ "$live" = "$target" ]; then
  echo "blue-green: $target is already live; nothing to do"
  exit 0
fi

echo "blue-green: 1/3 rollouts of the $target track"
for app in "${apps[@]}"; do
  deployment="$app-$target"
  k rollout status "deployment/$deployment" --timeout="$timeout" >/dev/null || fail "deployment/$deployment has not rolled out"
  read -r desired updated ready available < <(
    k get deployment "$deployment" \
      -o 'jsonpath={.spec.replicas} {.status.updatedReplicas} {.status.readyReplicas} {.status.availableReplicas}'
    echo
  ) || fail "cannot read deployment/$deployment"
  desired="${desired:-0}"
  if [ "$desired" -lt 1 ] || [ "${updated:-0}" != "$desired" ] || [ "${ready:-0}" != "$desired" ] || [ "${available:-0}" != "$desired" ]; then
    fail "deployment/$deployment has $desired desired, ${updated:-0} updated, ${ready:-0} ready, ${available:-0} available replicas"
  fi
  echo "  $deployment: $available/$desired available"
done

echo "blue-green: 2/3 gRPC health of every pod of the $target services"
targets=()
for service in "${services[@]}"; do targets+=("$service-$target:50051"); done
k exec -i "deployment/gateway-$target" -c gateway -- node - "${targets[@]}" <"$here/grpc-health.js" |
  sed 's/^/  /' || fail "a service of the $target track is not SERVING"
# (pipefail makes the exec's status the pipeline's.)

echo "blue-green: 3/3 the $target gateway sees every backend SERVING (/readyz)"
readyz='require("http").get({host:"127.0.0.1",port:process.env.HTTP_PORT||8080,path:"/readyz",timeout:5000},r=>{r.resume();process.exit(r.statusCode===200?0:1)}).on("error",()=>process.exit(1))'
k exec "deployment/gateway-$target" -c gateway -- node -e "$readyz" ||
  fail "gateway-$target is not ready (its /readyz is not 200)"

if [ "$dry_run" -eq 1 ]; then
  echo "blue-green: --dry-run: $target is healthy; the Service gateway still selects ${live:-<none>}"
  exit 0
fi

k patch service gateway --type merge \
  -p "{\"spec\":{\"selector\":{\"app\":\"gateway\",\"track\":\"$target\"}}}" >/dev/null ||
  fail "patching Service gateway failed"
endpoints="$(k get endpoints gateway -o 'jsonpath={range .subsets[*].addresses[*]}{.targetRef.name}{"\n"}{end}')" || endpoints=""
if [ -z "$endpoints" ] || printf '%s\n' "$endpoints" | grep -qv "^gateway-$target-"; then
  echo "blue-green: WARNING: Service gateway endpoints are not (only) gateway-$target pods:" >&2
  printf '  %s\n' $endpoints >&2
fi
echo "blue-green: switched: Service gateway now selects track $target"

if [ -f "$service_file" ]; then
  sed -i -E "s/^(    track: )(blue|green)$/\\1$target/" "$service_file"
  echo "blue-green: updated $service_file; commit it so the next apply keeps $target live"
fi
echo "blue-green: to roll back: scripts/blue-green.sh -n $namespace ${live:-blue}"
