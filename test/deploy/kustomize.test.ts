import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo';
import {
  OVERLAYS,
  dependencies,
  egressAllowed,
  envValues,
  externalEgressPorts,
  find,
  ingressAllowed,
  matchesSelector,
  matchesServiceSelector,
  policiesSelecting,
  renderOverlay,
  validateSchemas,
  workloads,
  type Dependency,
  type K8sObject,
  type Overlay,
  type Workload,
} from './support/k8s';
import { APPS, CALL_GRAPH, SERVICES, STATE } from './support/call-graph';
import { missingTool } from './support/tools';

/** DEPENDENCY_NAME names a dependency configured by a URL variable; *_ADDRESS ones are named by the app they reach. */
const DEPENDENCY_NAME: Record<string, string> = {
  DATABASE_URL: 'postgres',
  AMQP_URL: 'rabbitmq',
  REDIS_URL: 'redis',
  PAYMENT_PROVIDER_URL: 'payment-provider',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector',
};

const SECRET_VARIABLE = /^(DATABASE_URL|AMQP_URL|REDIS_URL|JWT_PRIVATE_KEY|ADMIN_PASSWORD|ADMIN_EMAIL)$|(_SECRET|_PASSWORD|_TOKEN|_KEY)$/;

const appOf = (w: Workload) => w.labels.app ?? w.name;
const shopWorkloads = (objects: K8sObject[]) => workloads(objects).filter((w) => APPS.includes(appOf(w)));

function dependencyName(dep: Dependency): string {
  if (dep.variable.endsWith('_ADDRESS')) return dep.peer.type === 'pods' ? appOf(dep.peer.workload) : `${dep.variable} (outside the namespace)`;
  return DEPENDENCY_NAME[dep.variable] ?? dep.variable;
}

const kubectlMissing = missingTool('kubectl', 'kubectl renders the overlays: install it from your distribution or the Kubernetes packages');

describe.each(OVERLAYS)('the %s overlay', (overlay: Overlay) => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    if (!kubectlMissing) objects = renderOverlay(overlay);
  }, 120_000);

  const test = kubectlMissing ? it.skip : it;

  test('renders with kubectl kustomize into one namespace with the restricted pod security level', () => {
    const namespaces = new Set(objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace));
    expect([...namespaces]).toEqual([overlay === 'dev' ? 'shop-dev' : 'shop']);
    const ns = find(objects, 'Namespace', overlay === 'dev' ? 'shop-dev' : 'shop');
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('holds only objects that are valid against the Kubernetes schemas', () => {
    const report = validateSchemas(objects);
    if (!report) {
      console.warn('kubernetes-models is not installed: skipping the schema validation (npm install --save-dev kubernetes-models@4)');
      return;
    }
    const invalid = report.results.filter((r) => r.errors.length > 0);
    expect(invalid).toEqual([]);
    expect(report.results).toHaveLength(objects.length);
  });

  test('gives every container probes, requests and limits, a non-root user, a read-only root filesystem and no capabilities', () => {
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      const podSec = w.pod.securityContext ?? {};
      if (podSec.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${w.name}: pod seccompProfile is not RuntimeDefault`);
      for (const c of w.containers) {
        const where = `${w.name}/${c.name}`;
        const sec = c.securityContext ?? {};
        if (!c.readinessProbe) problems.push(`${where}: no readinessProbe`);
        if (!c.livenessProbe) problems.push(`${where}: no livenessProbe`);
        for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) problems.push(`${where}: no ${kind}.${r}`);
        if ((sec.runAsNonRoot ?? podSec.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
        const uid = sec.runAsUser ?? podSec.runAsUser;
        if (uid === undefined || uid === 0) problems.push(`${where}: runs as uid ${uid ?? '(image default)'}`);
        if (sec.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is writable`);
        if (sec.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (sec.privileged === true) problems.push(`${where}: privileged`);
        if (!(sec.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: does not drop ALL capabilities`);
        if ((sec.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('pins every image to a version tag, never latest', () => {
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      for (const c of w.containers) {
        const image: string = c.image;
        if (image.includes('@sha256:')) continue;
        const lastSegment = image.slice(image.lastIndexOf('/') + 1);
        const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
        if (!tag || tag === 'latest') problems.push(`${w.name}/${c.name}: ${image}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('mounts no service account token into any pod', () => {
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      const account = find(objects, 'ServiceAccount', w.pod.serviceAccountName ?? 'default');
      if (w.pod.automountServiceAccountToken !== false) problems.push(`${w.name}: pod automountServiceAccountToken is not false`);
      if (!account) problems.push(`${w.name}: has no ServiceAccount of its own`);
      else if (account.metadata.name === 'default' || (account as unknown as { automountServiceAccountToken?: boolean }).automountServiceAccountToken !== false)
        problems.push(`${w.name}: ServiceAccount ${account.metadata.name} mounts tokens`);
    }
    expect(problems).toEqual([]);
  });

  test('probes the gRPC services with native gRPC probes and serves them through headless Services', () => {
    const problems: string[] = [];
    for (const w of shopWorkloads(objects).filter((w) => SERVICES.includes(appOf(w)))) {
      const c = w.pod.containers[0];
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        if (c[probe]?.grpc?.port !== 50051) problems.push(`${w.name}: ${probe} is not a gRPC probe on 50051`);
      }
      if (!(c.ports ?? []).some((p: { name: string; containerPort: number }) => p.name === 'grpc' && p.containerPort === 50051)) problems.push(`${w.name}: no port grpc 50051`);
      const services = objects.filter((o) => o.kind === 'Service' && matchesServiceSelector(o.spec.selector, w.labels));
      if (services.length !== 1) problems.push(`${w.name}: selected by ${services.length} Services`);
      for (const s of services) {
        if (s.spec.clusterIP !== 'None') problems.push(`${s.metadata.name}: not headless`);
        if (!(s.spec.ports ?? []).some((p: { name: string; port: number }) => p.name === 'grpc' && p.port === 50051)) problems.push(`${s.metadata.name}: no port named grpc`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('gives every shopmesh Deployment a PodDisruptionBudget and a HorizontalPodAutoscaler', () => {
    const problems: string[] = [];
    const shop = shopWorkloads(objects);
    expect(shop.length).toBe(overlay === 'prod' ? APPS.length * 2 : APPS.length);
    for (const w of shop) {
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && matchesSelector(o.spec.selector, w.labels));
      if (pdbs.length !== 1) problems.push(`${w.name}: ${pdbs.length} PodDisruptionBudgets`);
      const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.kind === 'Deployment' && o.spec.scaleTargetRef.name === w.name);
      if (hpas.length !== 1) problems.push(`${w.name}: ${hpas.length} HorizontalPodAutoscalers`);
      if (w.object.spec.replicas !== undefined) problems.push(`${w.name}: sets replicas although an autoscaler owns the count`);
    }
    expect(problems).toEqual([]);
  });

  test('takes configuration from ConfigMaps and every secret from a Secret, each pod only its own identity key', () => {
    const problems: string[] = [];
    for (const w of shopWorkloads(objects)) {
      const app = appOf(w);
      const c = w.pod.containers[0];
      for (const e of c.env ?? []) {
        if (SECRET_VARIABLE.test(e.name) && !e.valueFrom?.secretKeyRef) problems.push(`${w.name}: ${e.name} does not come from a Secret`);
        if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.name.startsWith(`${app}-secrets`)) problems.push(`${w.name}: reads ${e.valueFrom.secretKeyRef.name}`);
      }
      const fromConfigMaps = envValues(objects, c).filter((e) => e.from === 'configMap').length;
      if (fromConfigMaps === 0) problems.push(`${w.name}: reads no ConfigMap`);
      for (const { name, from } of envValues(objects, c)) {
        if (SECRET_VARIABLE.test(name) && from !== 'secret') problems.push(`${w.name}: ${name} comes from a ${from}`);
      }
      const keys = (w.pod.volumes ?? []).find((v: { name: string }) => v.name === 'keys');
      if (app === 'gateway') {
        // It sends no service tokens, so it holds no key.
        if (keys) problems.push('gateway: mounts service keys it does not need');
        continue;
      }
      const sources: Array<{ secret?: { name: string; items?: Array<{ key: string }> }; configMap?: { name: string } }> = keys?.projected?.sources ?? [];
      const secrets = sources.filter((s) => s.secret);
      if (secrets.length !== 1 || !secrets[0]!.secret!.name.startsWith(`${app}-identity`)) problems.push(`${w.name}: keys volume does not hold exactly its own identity Secret`);
      else if (JSON.stringify(secrets[0]!.secret!.items?.map((i) => i.key)) !== JSON.stringify([`${app}.private.jwk.json`])) problems.push(`${w.name}: identity items are not only ${app}.private.jwk.json`);
      if (!sources.some((s) => s.configMap?.name.startsWith('service-public-keys'))) problems.push(`${w.name}: keys volume lacks the public keys ConfigMap`);
      const mount = (c.volumeMounts ?? []).find((m: { name: string }) => m.name === 'keys');
      if (mount?.mountPath !== '/keys' || mount.readOnly !== true) problems.push(`${w.name}: keys not mounted read-only at /keys`);
    }
    if (overlay === 'dev') {
      // The generated Secrets are all there, and each service's key matches its public key.
      for (const app of SERVICES) {
        const identity = objects.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith(`${app}-identity`));
        const publicKeys = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('service-public-keys'));
        const privateJwk = JSON.parse(Buffer.from(identity?.data?.[`${app}.private.jwk.json`] ?? 'e30=', 'base64').toString());
        const publicJwk = JSON.parse(publicKeys?.data?.[`${app}.public.jwk.json`] ?? '{}');
        if (!privateJwk.d || privateJwk.x !== publicJwk.x || publicJwk.d !== undefined) problems.push(`${app}: generated identity keys do not match`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('denies all traffic by default and gives every workload a NetworkPolicy of its own', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const denyAll = policies.find(
      (p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && (p.spec.policyTypes ?? []).includes('Ingress') && (p.spec.policyTypes ?? []).includes('Egress') && !p.spec.ingress && !p.spec.egress,
    );
    expect(denyAll?.metadata.name).toBe('default-deny');
    const unselected = workloads(objects).filter(
      (w) => !policies.some((p) => Object.keys(p.spec.podSelector ?? {}).length > 0 && matchesSelector(p.spec.podSelector, w.labels)),
    );
    expect(unselected.map((w) => w.name)).toEqual([]);
  });

  test('configures exactly the call graph: the *_ADDRESS and *_URL variables of each process', () => {
    const configured: Record<string, string[]> = {};
    for (const w of shopWorkloads(objects)) {
      const names = dependencies(objects, w).map(dependencyName).sort();
      const app = appOf(w);
      const expected = [...CALL_GRAPH[app]!, ...STATE[app]!, ...(overlay === 'prod' ? ['otel-collector'] : [])].sort();
      expect({ workload: w.name, dependencies: names }).toEqual({ workload: w.name, dependencies: expected });
      configured[app] = names;
    }
    expect(Object.keys(configured).sort()).toEqual([...APPS].sort());
  });

  test('lets every configured connection through, at both ends', () => {
    const blocked: string[] = [];
    for (const w of workloads(objects)) {
      for (const dep of dependencies(objects, w)) {
        const to = dep.peer.type === 'pods' ? dep.peer.workload.name : dep.peer.type === 'namespace' ? `namespace ${dep.peer.namespace}` : dep.peer.host;
        if (!egressAllowed(objects, w, dep.peer, dep.port)) blocked.push(`${w.name} -> ${to}:${dep.port} (${dep.variable}): no egress`);
        if (dep.peer.type === 'pods' && !ingressAllowed(objects, { type: 'pods', workload: w }, dep.peer.workload, dep.port))
          blocked.push(`${w.name} -> ${to}:${dep.port} (${dep.variable}): no ingress`);
      }
    }
    expect(blocked).toEqual([]);
  });

  test('lets nothing else through between pods, nor out of the namespace', () => {
    const all = workloads(objects);
    const configured = new Map<string, Set<string>>();
    for (const w of all) {
      const set = configured.get(appOf(w)) ?? new Set<string>();
      for (const dep of dependencies(objects, w)) if (dep.peer.type === 'pods') set.add(`${appOf(dep.peer.workload)}:${dep.port}`);
      configured.set(appOf(w), set);
    }
    const extra: string[] = [];
    for (const from of all) {
      for (const to of all) {
        if (appOf(from) === appOf(to)) continue;
        for (const c of to.pod.containers) {
          for (const p of c.ports ?? []) {
            const edge = `${appOf(to)}:${p.containerPort}`;
            if (configured.get(appOf(from))?.has(edge)) continue;
            const peer = { type: 'pods' as const, workload: to };
            if (egressAllowed(objects, from, peer, p.containerPort)) extra.push(`${appOf(from)} may connect to ${edge} (egress)`);
            if (ingressAllowed(objects, { type: 'pods', workload: from }, to, p.containerPort)) extra.push(`${appOf(from)} may connect to ${edge} (ingress)`);
          }
        }
      }
      const externalPorts = new Set(dependencies(objects, from).filter((d) => d.peer.type !== 'pods').map((d) => d.port));
      for (const opening of externalEgressPorts(objects, from)) {
        if (opening.ports.length === 0) extra.push(`${from.name}: ${opening.policy} opens every port`);
        for (const port of opening.ports) if (!externalPorts.has(port)) extra.push(`${from.name}: ${opening.policy} opens ${opening.peer} port ${port}, which it is not configured to use`);
      }
    }
    expect([...new Set(extra)].sort()).toEqual([]);
  });

  test('puts the gateway behind an Ingress', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses).toHaveLength(1);
    const paths: Array<{ path: string; backend: { service: { name: string; port: { name: string } } } }> = ingresses[0]!.spec.rules.flatMap(
      (r: { http: { paths: unknown[] } }) => r.http.paths,
    );
    // The API, its document and /docs; never the gateway's /metrics, /healthz or /readyz.
    expect(paths.map((p) => p.path).sort()).toEqual(['/docs', '/openapi.json', '/v1']);
    expect(new Set(paths.map((p) => p.backend.service.name)).size).toBe(1);
    const backend = paths[0]!.backend.service;
    const service = find(objects, 'Service', backend.name);
    expect(service).toBeDefined();
    const selected = workloads(objects).filter((w) => matchesServiceSelector(service!.spec.selector, w.labels));
    expect(selected.map(appOf)).toEqual(['gateway']);
    expect(service!.spec.ports.map((p: { name: string }) => p.name)).toContain(backend.port.name);
    expect(policiesSelecting(objects, selected[0]!, 'Ingress').length).toBeGreaterThan(1);
  });

  if (overlay === 'dev') {
    test('runs PostgreSQL, RabbitMQ and Redis as StatefulSets and the payment simulator in the namespace', () => {
      const sets = objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name).sort();
      expect(sets).toEqual(['postgres', 'rabbitmq', 'redis']);
      expect(find(objects, 'Deployment', 'payment-simulator')).toBeDefined();
    });
  } else {
    test('keeps state outside the cluster, behind ExternalName Services', () => {
      expect(objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
      for (const name of ['postgres', 'rabbitmq', 'redis']) expect(find(objects, 'Service', name)?.spec.type).toBe('ExternalName');
    });

    test('runs two complete tracks, each calling only itself, and the gateway Service selects one', () => {
      for (const track of ['blue', 'green']) {
        const members = shopWorkloads(objects).filter((w) => w.labels.track === track);
        expect(members.map(appOf).sort()).toEqual([...APPS].sort());
        for (const w of members) {
          expect(w.name).toBe(`${appOf(w)}-${track}`);
          for (const dep of dependencies(objects, w)) if (dep.peer.type === 'pods') expect(`${w.name} -> ${dep.peer.workload.labels.track}`).toBe(`${w.name} -> ${track}`);
        }
      }
      const gateway = find(objects, 'Service', 'gateway');
      expect(gateway?.spec.selector).toEqual({ app: 'gateway', track: 'blue' });
      // scripts/blue-green.sh rewrites exactly this line of the file.
      const file = readFileSync(join(repoRoot, 'k8s', 'overlays', 'prod', 'gateway-service.yaml'), 'utf8');
      expect(file.match(/^ {4}track: (blue|green)$/gm)).toHaveLength(1);
    });
  }
});
