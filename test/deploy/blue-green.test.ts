import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/repo';

/**
 * scripts/blue-green.sh against a stand-in kubectl that answers from a
 * small description of the cluster and records every call, so the order
 * "check everything, then switch" can be seen without a cluster.
 */
const FAKE_KUBECTL = `#!/usr/bin/env bash
# Arguments: -n NAMESPACE VERB ...
printf '%s\\n' "$*" >> "$FAKE_LOG"
shift 2
verb="$1"; shift
case "$verb" in
  get)
    case "$1 $2" in
      "service gateway") printf '%s' "$FAKE_LIVE" ;;
      "endpoints gateway") printf 'gateway-%s-5d9c-abcde\\ngateway-%s-5d9c-fghij\\n' "$FAKE_TARGET" "$FAKE_TARGET" ;;
      deployment\\ *)
        if [ "$2" = "$FAKE_UNAVAILABLE" ]; then printf '2 2 1 1'; else printf '2 2 2 2'; fi ;;
      *) exit 1 ;;
    esac ;;
  rollout) exit 0 ;;
  exec)
    if [ "$1" = "-i" ]; then
      # The health script arrives on stdin for node -.
      grep -q 'grpc.health.v1.Health/Check' || exit 3
      for target in "\${@:6}"; do echo "$target 10.0.0.1: \${FAKE_HEALTH:-SERVING}"; done
      [ "\${FAKE_HEALTH:-SERVING}" = SERVING ]
    else
      [ -z "$FAKE_GATEWAY_UNREADY" ]
    fi ;;
  patch) exit 0 ;;
  *) exit 1 ;;
esac
`;

interface Outcome {
  status: number | null;
  output: string;
  calls: string[];
  file: string;
}

function switchTo(target: string, cluster: Record<string, string>, extraArgs: string[] = []): Outcome {
  const dir = mkdtempSync(join(tmpdir(), 'shop-blue-green-'));
  try {
    const kubectl = join(dir, 'kubectl');
    writeFileSync(kubectl, FAKE_KUBECTL);
    chmodSync(kubectl, 0o755);
    const file = join(dir, 'gateway-service.yaml');
    copyFileSync(join(repoRoot, 'k8s', 'overlays', 'prod', 'gateway-service.yaml'), file);
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const result = spawnSync('bash', [join(repoRoot, 'scripts', 'blue-green.sh'), ...extraArgs, target], {
      encoding: 'utf8',
      env: { ...process.env, KUBECTL: kubectl, GATEWAY_SERVICE_FILE: file, FAKE_LOG: log, FAKE_TARGET: target, FAKE_UNAVAILABLE: '', FAKE_GATEWAY_UNREADY: '', ...cluster },
    });
    return {
      status: result.status,
      output: `${result.stdout}${result.stderr}`,
      calls: readFileSync(log, 'utf8').trim().split('\n'),
      file: readFileSync(file, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const patched = (o: Outcome) => o.calls.some((c) => c.includes('patch service gateway'));

describe('scripts/blue-green.sh', () => {
  it('checks every deployment, every service pod and the gateway of the idle track, then switches the selector and the file', () => {
    const o = switchTo('green', { FAKE_LIVE: 'blue' });
    expect(o.status).toBe(0);
    for (const app of ['users', 'catalog', 'inventory', 'orders', 'payments', 'shipping', 'gateway']) {
      expect(o.calls).toContain(`-n shop rollout status deployment/${app}-green --timeout=300s`);
    }
    expect(o.calls).toContain(
      '-n shop exec -i deployment/gateway-green -c gateway -- node - users-green:50051 catalog-green:50051 inventory-green:50051 orders-green:50051 payments-green:50051 shipping-green:50051',
    );
    const patch = o.calls.findIndex((c) => c.includes('patch service gateway'));
    expect(o.calls[patch]).toBe('-n shop patch service gateway --type merge -p {"spec":{"selector":{"app":"gateway","track":"green"}}}');
    // Nothing is checked after the switch but the endpoints.
    expect(o.calls.slice(patch + 1)).toEqual(['-n shop get endpoints gateway -o jsonpath={range .subsets[*].addresses[*]}{.targetRef.name}{"\\n"}{end}']);
    expect(o.file).toMatch(/^ {4}track: green$/m);
    expect(o.file).not.toMatch(/track: blue/);
    expect(o.output).toContain('to roll back: scripts/blue-green.sh -n shop blue');
  });

  it('switches nothing when a deployment of the track is not fully available', () => {
    const o = switchTo('green', { FAKE_LIVE: 'blue', FAKE_UNAVAILABLE: 'orders-green' });
    expect(o.status).toBe(1);
    expect(o.output).toContain('deployment/orders-green has 2 desired, 2 updated, 1 ready, 1 available replicas; traffic stays where it is.');
    expect(patched(o)).toBe(false);
    expect(o.file).toMatch(/^ {4}track: blue$/m);
  });

  it('switches nothing when a service pod of the track is not SERVING', () => {
    const o = switchTo('green', { FAKE_LIVE: 'blue', FAKE_HEALTH: 'NOT_SERVING' });
    expect(o.status).toBe(1);
    expect(o.output).toContain('a service of the green track is not SERVING');
    expect(patched(o)).toBe(false);
  });

  it('switches nothing when the gateway of the track does not see all its backends SERVING', () => {
    const o = switchTo('blue', { FAKE_LIVE: 'green', FAKE_GATEWAY_UNREADY: '1' });
    expect(o.status).toBe(1);
    expect(o.output).toContain('gateway-blue is not ready');
    expect(patched(o)).toBe(false);
  });

  it('does nothing when the track is already live, and only checks with --dry-run', () => {
    const live = switchTo('blue', { FAKE_LIVE: 'blue' });
    expect(live.status).toBe(0);
    expect(live.calls).toHaveLength(1);
    const dry = switchTo('green', { FAKE_LIVE: 'blue' }, ['--dry-run']);
    expect(dry.status).toBe(0);
    expect(patched(dry)).toBe(false);
    expect(dry.file).toMatch(/^ {4}track: blue$/m);
  });

  it('refuses anything but blue or green', () => {
    expect(switchTo('purple', { FAKE_LIVE: 'blue' }).status).toBe(2);
  });
});
