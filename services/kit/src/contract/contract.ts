import { createFileRegistry, fromBinary, getOption, hasOption, type DescMethod, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { readDescriptorSet } from '@shop/sdk/lib/descriptor';

/** Access mirrors shop.common.v1.Access: who may call an RPC. */
export type Access = 'public' | 'authenticated' | 'admin' | 'internal';

/** HttpBinding is one google.api.http rule of an RPC. */
export interface HttpBinding {
  method: 'get' | 'put' | 'post' | 'delete' | 'patch';
  path: string;
  body: string;
  responseBody: string;
}

/** MethodContract is what the contract says about one RPC. */
export interface MethodContract {
  /** path is the gRPC path, for example "/shop.catalog.v1.CatalogService/GetProduct". */
  path: string;
  service: string;
  name: string;
  access: Access;
  /** accessDeclared is false when the RPC has no shop.common.v1.access option (it then defaults to authenticated). */
  accessDeclared: boolean;
  /** safeToRetry is true for NO_SIDE_EFFECTS and IDEMPOTENT methods. */
  safeToRetry: boolean;
  serverStreaming: boolean;
  clientStreaming: boolean;
  /**
   * longPoll is true when the request has a `max_wait` google.protobuf.Duration:
   * the call may wait that long for news, so an idle one is routine (its call
   * line is logged at debug).
   */
  longPoll: boolean;
  /** http holds the primary binding first, then additional_bindings; empty for internal RPCs. */
  http: HttpBinding[];
  desc: DescMethod;
}

/** Contract is the parsed descriptor set: every RPC by path, plus the registry for JSON mapping. */
export interface Contract {
  registry: FileRegistry;
  methods: ReadonlyMap<string, MethodContract>;
  method(path: string): MethodContract | undefined;
}

const ACCESS: Record<number, Access> = { 0: 'authenticated', 1: 'public', 2: 'authenticated', 3: 'admin', 4: 'internal' };

/**
 * loadContract reads the descriptor set (by default gen/descriptor.binpb) so
 * the runtime and the gateway act on what the protos declare: access,
 * idempotency and HTTP bindings.
 */
export function loadContract(bytes: Uint8Array = readDescriptorSet()): Contract {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
  const accessExt = registry.getExtension('shop.common.v1.access');
  const httpExt = registry.getExtension('google.api.http');
  if (!accessExt || !httpExt) throw new Error('descriptor set lacks shop.common.v1.access or google.api.http');
  const methods = new Map<string, MethodContract>();
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const desc of service.methods) {
        const http: HttpBinding[] = [];
        if (hasOption(desc, httpExt)) {
          const rule = getOption(desc, httpExt) as HttpRuleLike;
          for (const r of [rule, ...rule.additionalBindings]) {
            const binding = toBinding(r);
            if (binding) http.push(binding);
          }
        }
        const path = `/${service.typeName}/${desc.name}`;
        const accessDeclared = hasOption(desc, accessExt);
        methods.set(path, {
          path,
          service: service.typeName,
          name: desc.name,
          access: ACCESS[accessDeclared ? (getOption(desc, accessExt) as number) : 0] ?? 'authenticated',
          accessDeclared,
          safeToRetry:
            desc.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT ||
            desc.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
          serverStreaming: desc.methodKind === 'server_streaming' || desc.methodKind === 'bidi_streaming',
          clientStreaming: desc.methodKind === 'client_streaming' || desc.methodKind === 'bidi_streaming',
          longPoll: desc.input.fields.some((f) => f.name === 'max_wait' && f.message?.typeName === 'google.protobuf.Duration'),
          http,
          desc,
        });
      }
    }
  }
  return { registry, methods, method: (path) => methods.get(path) };
}

interface HttpRuleLike {
  pattern: { case: string | undefined; value?: unknown };
  body: string;
  responseBody: string;
  additionalBindings: HttpRuleLike[];
}

function toBinding(rule: HttpRuleLike): HttpBinding | undefined {
  const { case: verb, value } = rule.pattern;
  if (verb === 'get' || verb === 'put' || verb === 'post' || verb === 'delete' || verb === 'patch') {
    return { method: verb, path: String(value), body: rule.body, responseBody: rule.responseBody };
  }
  // `custom` verbs are not used by shopmesh contracts; the gateway rejects them at start-up.
  return undefined;
}

let shared: Contract | undefined;

/** sharedContract loads the bundled contract once per process. */
export function sharedContract(): Contract {
  shared ??= loadContract();
  return shared;
}
