import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo';
import { parseYamlDocuments } from './yaml';

/** K8sObject is one rendered Kubernetes object, loosely typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** OVERLAYS are the kustomize overlays the suites render. */
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/**
 * renderOverlay runs `kubectl kustomize` on a copy of k8s/ with the dev
 * secrets generated the way DEPLOY.md says (scripts/k8s-secrets.js dev),
 * so the work tree gets no generated files.
 */
export function renderOverlay(overlay: Overlay): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'shop-k8s-'));
  try {
    cpSync(join(repoRoot, 'k8s'), join(dir, 'k8s'), { recursive: true, filter: (src) => !src.includes(`${join('overlays', 'dev', 'generated')}`) });
    const secrets = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'k8s-secrets.js'), 'dev', join(dir, 'k8s', 'overlays', 'dev', 'generated')], {
      encoding: 'utf8',
    });
    if (secrets.status !== 0) throw new Error(`k8s-secrets.js dev failed:\n${secrets.stdout}${secrets.stderr}`);
    const rendered = spawnSync('kubectl', ['kustomize', join(dir, 'k8s', 'overlays', overlay)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (rendered.status !== 0) throw new Error(`kubectl kustomize k8s/overlays/${overlay} failed:\n${rendered.stderr}`);
    const objects = parseYamlDocuments(rendered.stdout) as K8sObject[];
    // kustomize folds long base64 values over lines; the API server's decoder skips the line breaks.
    for (const o of objects) {
      if (o.kind === 'Secret' && o.data) for (const key of Object.keys(o.data)) o.data[key] = o.data[key]!.replace(/\s+/g, '');
    }
    return objects;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SchemaReport is what validateSchemas found: undefined when kubernetes-models is not installed. */
export type SchemaReport = { version: string; results: Array<{ ref: string; errors: string[] }> } | undefined;

/** validateSchemas checks every object against the Kubernetes schemas of kubernetes-models (support/validate-k8s.js). */
export function validateSchemas(objects: K8sObject[]): SchemaReport {
  const dir = mkdtempSync(join(tmpdir(), 'shop-k8s-schema-'));
  try {
    const file = join(dir, 'objects.json');
    writeFileSync(file, JSON.stringify(objects));
    const run = spawnSync(process.execPath, [join(__dirname, 'validate-k8s.js'), file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`validate-k8s.js failed:\n${run.stderr}`);
    const out = JSON.parse(run.stdout) as { available: boolean; version: string; results: Array<{ ref: string; errors: string[] }> };
    return out.available ? { version: out.version, results: out.results } : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Workload is a Deployment or StatefulSet with its pod template. */
export interface Workload {
  object: K8sObject;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  pod: any;
  containers: any[];
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => ({
      object: o,
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? 'default',
      labels: o.spec.template.metadata?.labels ?? {},
      pod: o.spec.template.spec,
      containers: [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers],
    }));
}

/** matchesSelector applies a LabelSelector (matchLabels and matchExpressions) to labels. */
export function matchesSelector(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && e.values.includes(value))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(value)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** matchesServiceSelector applies a Service's plain selector map. */
export function matchesServiceSelector(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** find returns the object of a kind and name, or undefined. */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/**
 * Peer is the far end of a connection: a workload's pods in the namespace,
 * pods of another namespace (known by its name only) or an address outside
 * the cluster.
 */
export type Peer =
  | { type: 'pods'; workload: Workload }
  | { type: 'namespace'; namespace: string }
  | { type: 'external'; host: string };

/** Dependency is one configured outgoing connection of a workload. */
export interface Dependency {
  /** variable is the environment variable that configures it. */
  variable: string;
  peer: Peer;
  port: number;
}

const DEFAULT_PORTS: Record<string, number> = { postgres: 5432, postgresql: 5432, amqp: 5672, amqps: 5671, redis: 6379, rediss: 6379, http: 80, https: 443 };

/** SECRET_ENDPOINTS are the secret variables that hold an address (their host is unknown when the Secret is provided out of band). */
const SECRET_ENDPOINTS: Record<string, number> = { DATABASE_URL: 5432, AMQP_URL: 5672, REDIS_URL: 6379 };

function parseEndpoint(value: string): { host: string; port: number } {
  const text = value.replace(/^dns:\/\/\//, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) {
    const url = new URL(text);
    const scheme = url.protocol.replace(/:$/, '');
    return { host: url.hostname, port: url.port ? Number(url.port) : DEFAULT_PORTS[scheme] ?? 0 };
  }
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** envValues resolves a container's environment: plain values, ConfigMap and Secret keys, envFrom ConfigMaps. */
export function envValues(objects: K8sObject[], container: any): Array<{ name: string; value: string | undefined; from: 'value' | 'configMap' | 'secret' }> {
  const out: Array<{ name: string; value: string | undefined; from: 'value' | 'configMap' | 'secret' }> = [];
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const cm = find(objects, 'ConfigMap', source.configMapRef.name);
      for (const [name, value] of Object.entries(cm?.data ?? {})) out.push({ name, value, from: 'configMap' });
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) out.push({ name: e.name, value: e.value, from: 'value' });
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      out.push({ name: e.name, value: find(objects, 'ConfigMap', ref.name)?.data?.[ref.key], from: 'configMap' });
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const secret = find(objects, 'Secret', ref.name);
      const raw = secret?.data?.[ref.key];
      const value = raw !== undefined ? Buffer.from(raw, 'base64').toString('utf8') : secret?.stringData?.[ref.key];
      out.push({ name: e.name, value, from: 'secret' });
    }
  }
  return out;
}

/** isEndpointVariable tells which variables configure a connection to another process. */
export function isEndpointVariable(name: string): boolean {
  return /_ADDRESS$/.test(name) || /_URL$/.test(name) || name === 'OTEL_EXPORTER_OTLP_ENDPOINT';
}

/**
 * dependencies lists a workload's configured connections: every *_ADDRESS,
 * *_URL and OTEL_EXPORTER_OTLP_ENDPOINT variable, resolved through the
 * rendered ConfigMaps, Secrets and Services to the pods they reach.
 */
export function dependencies(objects: K8sObject[], workload: Workload): Dependency[] {
  const deps: Dependency[] = [];
  const all = workloads(objects);
  for (const container of workload.pod.containers) {
    for (const { name, value } of envValues(objects, container)) {
      if (!isEndpointVariable(name)) continue;
      if (value === undefined) {
        if (SECRET_ENDPOINTS[name] !== undefined) deps.push({ variable: name, peer: { type: 'external', host: '(from a Secret provided out of band)' }, port: SECRET_ENDPOINTS[name]! });
        continue;
      }
      const { host, port } = parseEndpoint(value);
      const parts = host.split('.');
      // name, name.namespace, name.namespace.svc[.cluster.local]
      const serviceName = parts[0]!;
      const namespace = parts.length >= 2 && (parts.length === 2 || parts[2] === 'svc') ? parts[1]! : workload.namespace;
      if (namespace !== workload.namespace) {
        deps.push({ variable: name, peer: { type: 'namespace', namespace }, port });
        continue;
      }
      const service = parts.length <= 2 || parts[2] === 'svc' ? find(objects, 'Service', serviceName) : undefined;
      if (!service || service.spec.type === 'ExternalName') {
        deps.push({ variable: name, peer: { type: 'external', host }, port });
        continue;
      }
      const targets = all.filter((w) => w.namespace === workload.namespace && matchesServiceSelector(service.spec.selector, w.labels));
      if (targets.length !== 1) throw new Error(`${workload.name} ${name}=${value}: Service ${serviceName} selects ${targets.length} workloads`);
      const servicePort = (service.spec.ports ?? []).find((p: any) => p.port === port);
      if (!servicePort) throw new Error(`${workload.name} ${name}=${value}: Service ${serviceName} has no port ${port}`);
      deps.push({ variable: name, peer: { type: 'pods', workload: targets[0]! }, port: containerPort(targets[0]!, servicePort.targetPort ?? port) });
    }
  }
  return deps;
}

/** containerPort resolves a port number or name against a workload's containers. */
export function containerPort(workload: Workload, port: number | string): number {
  if (typeof port === 'number') return port;
  for (const c of workload.pod.containers) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  throw new Error(`${workload.name} has no port named ${port}`);
}

function ruleAllowsPort(ports: any[] | undefined, port: number, target: Workload | undefined): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : target ? safeContainerPort(target, p.port) : undefined;
    if (number === undefined) return false;
    return p.endPort ? port >= number && port <= p.endPort : port === number;
  });
}

function safeContainerPort(w: Workload, name: string): number | undefined {
  try {
    return containerPort(w, name);
  } catch {
    return undefined;
  }
}

function namespaceLabels(namespace: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': namespace };
}

function peerMatches(peers: any[] | undefined, peer: Peer, namespace: string): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((p) => {
    if (p.ipBlock) return peer.type === 'external';
    if (p.namespaceSelector) {
      const ns = peer.type === 'pods' ? peer.workload.namespace : peer.type === 'namespace' ? peer.namespace : undefined;
      if (ns === undefined || !matchesSelector(p.namespaceSelector, namespaceLabels(ns))) return false;
      // Pods of another namespace are known by their namespace only.
      if (p.podSelector && peer.type === 'pods') return matchesSelector(p.podSelector, peer.workload.labels);
      return true;
    }
    if (p.podSelector) return peer.type === 'pods' && peer.workload.namespace === namespace && matchesSelector(p.podSelector, peer.workload.labels);
    return false;
  });
}

function policyTypes(policy: K8sObject): string[] {
  return policy.spec.policyTypes ?? (policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
}

/** policiesSelecting returns the NetworkPolicies of a direction that apply to a workload's pods. */
export function policiesSelecting(objects: K8sObject[], workload: Workload, direction: 'Ingress' | 'Egress'): K8sObject[] {
  return objects.filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      (o.metadata.namespace ?? 'default') === workload.namespace &&
      policyTypes(o).includes(direction) &&
      matchesSelector(o.spec.podSelector, workload.labels),
  );
}

/** egressAllowed tells whether the NetworkPolicies let a workload's pods connect to a peer on a port. */
export function egressAllowed(objects: K8sObject[], from: Workload, to: Peer, port: number): boolean {
  const policies = policiesSelecting(objects, from, 'Egress');
  if (policies.length === 0) return true;
  const target = to.type === 'pods' ? to.workload : undefined;
  return policies.some((p) => (p.spec.egress ?? []).some((rule: any) => peerMatches(rule.to, to, policyNamespace(p)) && ruleAllowsPort(rule.ports, port, target)));
}

/** ingressAllowed tells whether the NetworkPolicies let a peer connect to a workload's pods on a port. */
export function ingressAllowed(objects: K8sObject[], from: Peer, to: Workload, port: number): boolean {
  const policies = policiesSelecting(objects, to, 'Ingress');
  if (policies.length === 0) return true;
  return policies.some((p) => (p.spec.ingress ?? []).some((rule: any) => peerMatches(rule.from, from, policyNamespace(p)) && ruleAllowsPort(rule.ports, port, to)));
}

function policyNamespace(policy: K8sObject): string {
  return policy.metadata.namespace ?? 'default';
}

/**
 * externalEgressPorts lists the ports a workload may reach outside its
 * namespace's pods (ipBlock and namespaceSelector rules), with the kind of
 * peer, so extra openings show up.
 */
export function externalEgressPorts(objects: K8sObject[], from: Workload): Array<{ policy: string; peer: 'ipBlock' | 'namespace'; ports: number[] }> {
  const out: Array<{ policy: string; peer: 'ipBlock' | 'namespace'; ports: number[] }> = [];
  for (const policy of policiesSelecting(objects, from, 'Egress')) {
    for (const rule of policy.spec.egress ?? []) {
      for (const peer of rule.to ?? []) {
        const kind = peer.ipBlock ? 'ipBlock' : peer.namespaceSelector ? 'namespace' : undefined;
        if (!kind) continue;
        // DNS to kube-system is the same for every pod.
        if (kind === 'namespace' && peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system') continue;
        out.push({ policy: policy.metadata.name, peer: kind, ports: (rule.ports ?? []).map((p: any) => p.port) });
      }
    }
  }
  return out;
}
