/**
 * The gateway benchmark's peers, built here from Debian's packages when
 * they are installed:
 *   grpc-gateway  Go's grpc-gateway v1 (golang-github-grpc-ecosystem-grpc-gateway-dev,
 *                 golang-google-grpc-dev, golang-goprotobuf-dev, protobuf-compiler):
 *                 protoc-gen-go and protoc-gen-grpc-gateway run over the catalog
 *                 contract, then peers/grpc-gateway/main.go is built in GOPATH mode.
 * Those generators predate proto3 `optional`, so they get a copy of the
 * catalog and common protos with the keyword dropped (same field numbers
 * and wire format) and a go_package added. The build is cached under the
 * system temp folder by a hash of its inputs.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const GOPATH = '/usr/share/gocode';

function sh(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = root): void {
  const run = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr || run.error}`);
}

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** buildGrpcGateway returns the path of the Go grpc-gateway binary, or why it cannot be built here. */
export function buildGrpcGateway(): { binary: string } | { missing: string } {
  if (!has('go')) return { missing: 'go (Debian: golang-go)' };
  if (!has('protoc')) return { missing: 'protoc (Debian: protobuf-compiler)' };
  if (!existsSync('/usr/bin/protoc-gen-go')) return { missing: 'protoc-gen-go (Debian: golang-goprotobuf-dev)' };
  const gatewaySrc = join(GOPATH, 'src/github.com/grpc-ecosystem/grpc-gateway');
  if (!existsSync(gatewaySrc)) return { missing: 'grpc-gateway sources (Debian: golang-github-grpc-ecosystem-grpc-gateway-dev)' };

  const protoDirs = ['shop/catalog/v1', 'shop/common/v1'];
  const mainGo = join(__dirname, 'peers', 'grpc-gateway', 'main.go');
  const hash = createHash('sha256');
  hash.update(readFileSync(mainGo));
  for (const dir of protoDirs) for (const f of readdirSync(join(root, 'proto', dir)).sort()) hash.update(readFileSync(join(root, 'proto', dir, f)));
  const work = join(tmpdir(), 'shopmesh-grpc-gateway', hash.digest('hex').slice(0, 16));
  const binary = join(work, 'grpc-gateway-bench');
  if (existsSync(binary)) return { binary };

  rmSync(work, { recursive: true, force: true });
  const protoCopy = join(work, 'proto');
  const src = join(work, 'gopath', 'src');
  mkdirSync(src, { recursive: true });
  const goPackages: Record<string, string> = { 'shop/catalog/v1': 'shopbench/catalogv1', 'shop/common/v1': 'shopbench/commonv1' };
  for (const dir of protoDirs) {
    cpSync(join(root, 'proto', dir), join(protoCopy, dir), { recursive: true });
    for (const f of readdirSync(join(protoCopy, dir))) {
      const path = join(protoCopy, dir, f);
      const text = withoutValidation(readFileSync(path, 'utf8'))
        .replace(/^(\s+)optional /gm, '$1')
        .replace(/^package ([\w.]+);/m, `package $1;\noption go_package = "${goPackages[dir]}";`);
      writeFileSync(path, text);
    }
  }
  const env = { ...process.env, GOPATH: `${join(work, 'gopath')}:${GOPATH}`, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(work, 'cache') };
  const plugin = join(work, 'protoc-gen-grpc-gateway');
  sh('go', ['build', '-o', plugin, 'github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway'], env);
  const mappings = [
    'Mgoogle/api/annotations.proto=google.golang.org/genproto/googleapis/api/annotations',
    'Mgoogle/api/field_behavior.proto=google.golang.org/genproto/googleapis/api/annotations',
    'Mgoogle/api/http.proto=google.golang.org/genproto/googleapis/api/annotations',
    'Mgoogle/protobuf/timestamp.proto=github.com/golang/protobuf/ptypes/timestamp',
    'Mgoogle/protobuf/field_mask.proto=google.golang.org/genproto/protobuf/field_mask',
    'Mgoogle/protobuf/descriptor.proto=github.com/golang/protobuf/protoc-gen-go/descriptor',
  ].join(',');
  const includes = ['-I', protoCopy, '-I', join(root, 'third_party', 'proto'), '-I', '/usr/include'];
  // Only what catalog_service.proto needs: not the error model, the address
  // or the text rules (protovalidate's rules, which grpc-gateway v1 ignores).
  const unused = new Set(['errors.proto', 'address.proto', 'text_rules.proto']);
  // (money.proto's rule import is gone with its rules: see withoutValidation.)
  const files = (dir: string) => readdirSync(join(protoCopy, dir)).filter((f) => !unused.has(f)).map((f) => `${dir}/${f}`);
  for (const dir of protoDirs) sh('protoc', [...includes, '--plugin=protoc-gen-go=/usr/bin/protoc-gen-go', `--go_out=plugins=grpc,${mappings}:${src}`, ...files(dir)]);
  sh('protoc', [...includes, `--plugin=protoc-gen-grpc-gateway=${plugin}`, `--grpc-gateway_out=logtostderr=true,${mappings}:${src}`, 'shop/catalog/v1/catalog_service.proto']);
  mkdirSync(join(src, 'shopbench', 'gw'), { recursive: true });
  cpSync(mainGo, join(src, 'shopbench', 'gw', 'main.go'));
  sh('go', ['build', '-o', binary, '.'], env, join(src, 'shopbench', 'gw'));
  return { binary };
}

/**
 * withoutValidation removes the protovalidate rules and the contracts' own
 * rule options from a proto file for the grpc-gateway v1 build: it ignores
 * them, and the Go code generated for a file importing buf/validate would
 * import a Go package that is not installed here. Imports, `option
 * (buf.validate...) = {...};` statements and `(buf.validate...)` or
 * `(shop.common.v1.example)` entries of field options are dropped.
 */
function withoutValidation(text: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('import "buf/validate/', i) || text.startsWith('import "shop/common/v1/text_rules.proto"', i)) {
      i = text.indexOf('\n', i) + 1;
      continue;
    }
    if (/^option \(buf\.validate\./.test(text.slice(i, i + 30).trimStart()) && /^\s*$/.test(text.slice(text.lastIndexOf('\n', i - 1) + 1, i))) {
      i = skipStatement(text, i);
      continue;
    }
    if (text[i] === '[') {
      const end = matching(text, i, '[', ']');
      const entries = splitTopLevel(text.slice(i + 1, end)).filter((e) => !/^\s*\((buf\.validate\.|shop\.common\.v1\.example\))/.test(e));
      out.push(entries.length === 0 ? '' : `[${entries.join(',')}]`);
      i = end + 1;
      continue;
    }
    out.push(text[i]!);
    i += 1;
  }
  return out.join('').replace(/ +;/g, ';');
}

function matching(text: string, at: number, open: string, close: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === open) depth += 1;
    if (c === close && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${open} at ${at}`);
}

function skipStatement(text: string, at: number): number {
  const brace = text.indexOf('{', at);
  const semicolon = text.indexOf(';', at);
  const end = brace >= 0 && brace < semicolon ? text.indexOf(';', matching(text, brace, '{', '}')) : semicolon;
  return end + 1;
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"' && list[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '{' || c === '[') depth += 1;
    if (c === '}' || c === ']') depth -= 1;
    if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.filter((p) => p.trim() !== '');
}
