#!/usr/bin/env node
/**
 * protovalidate-proto writes third_party/proto/buf/validate/validate.proto,
 * the file the contracts import for their `buf.validate` rules, from the
 * descriptor that the npm package @bufbuild/protovalidate ships (the same
 * rules its validator evaluates), so the import comes from a registry
 * package and buf stays offline.
 *
 * The shipped descriptor is minimized (no comments), so the file has none of
 * the upstream documentation: read https://protovalidate.com for that.
 * Everything the compiler sees is printed: messages, fields, oneofs,
 * reserved and extension ranges, enums, the four extensions and every
 * field's predefined CEL rules.
 *
 * Usage: node scripts/protovalidate-proto.js [--check]
 *   --check  exits 1 when the file differs from what the package gives
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRegistry, getExtension, hasExtension, isFieldSet } = require('@bufbuild/protobuf');
const { FieldDescriptorProtoSchema, FieldOptionsSchema, FieldDescriptorProto_Label: Label, FieldDescriptorProto_Type: Type } = require('@bufbuild/protobuf/wkt');
const validate = require('@bufbuild/protovalidate/gen/buf/validate/validate_pb.js');

const OUT = path.join(__dirname, '..', 'third_party', 'proto', 'buf', 'validate', 'validate.proto');
/** version is the installed package's, read from its package.json (which it does not export). */
const version = (() => {
  let dir = path.dirname(require.resolve('@bufbuild/protovalidate'));
  while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== '@bufbuild/protovalidate') {
    if (path.dirname(dir) === dir) throw new Error('cannot find the package.json of @bufbuild/protovalidate');
    dir = path.dirname(dir);
  }
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
})();

/** quote writes a string literal that protoc and buf read back unchanged. */
function quote(text) {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** defaultJsonName is the JSON name protoc derives from a field name. */
function defaultJsonName(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function scalar(type) {
  return Type[type].replace(/^TYPE_/, '').toLowerCase();
}

function fieldType(field) {
  return field.type === Type.MESSAGE || field.type === Type.ENUM || field.type === Type.GROUP ? field.typeName : scalar(field.type);
}

/** ruleText writes one buf.validate.Rule as a text-format message. */
function ruleText(rule) {
  const parts = [];
  if (rule.id !== undefined && rule.id !== '') parts.push(`id: ${quote(rule.id)}`);
  if (rule.message !== undefined && rule.message !== '') parts.push(`message: ${quote(rule.message)}`);
  if (rule.expression !== undefined && rule.expression !== '') parts.push(`expression: ${quote(rule.expression)}`);
  return `{${parts.join(' ')}}`;
}

/** fieldOptions lists a field's options as they are written in brackets. */
function fieldOptions(field) {
  const options = [];
  if (isFieldSet(field, FieldDescriptorProtoSchema.field.jsonName) && field.jsonName !== defaultJsonName(field.name)) options.push(`json_name = ${quote(field.jsonName)}`);
  const o = field.options;
  if (o !== undefined) {
    if (isFieldSet(o, FieldOptionsSchema.field.deprecated)) options.push(`deprecated = ${o.deprecated}`);
    if (isFieldSet(o, FieldOptionsSchema.field.packed)) options.push(`packed = ${o.packed}`);
    if (hasExtension(o, validate.predefined)) {
      const rules = getExtension(o, validate.predefined);
      for (const rule of rules.cel) options.push(`(predefined).cel = ${ruleText(rule)}`);
    }
    if (hasExtension(o, validate.field)) throw new Error(`field ${field.name}: (buf.validate.field) options are not printed yet`);
  }
  return options.length === 0 ? '' : ` [\n${options.map((x) => `      ${x}`).join(',\n')}\n    ]`;
}

function ranges(keyword, list, exclusiveEnd) {
  if (list.length === 0) return [];
  const text = list.map((r) => {
    const end = exclusiveEnd ? r.end - 1 : r.end;
    if (end === r.start) return String(r.start);
    return `${r.start} to ${end === 536870911 ? 'max' : end}`;
  });
  return [`${keyword} ${text.join(', ')};`];
}

function enumLines(e) {
  const lines = [`enum ${e.name} {`];
  for (const v of e.value) lines.push(`  ${v.name} = ${v.number};`);
  lines.push(...ranges('reserved', e.reservedRange, false).map((l) => `  ${l}`));
  if (e.reservedName.length > 0) lines.push(`  reserved ${e.reservedName.map(quote).join(', ')};`);
  lines.push('}');
  return lines;
}

/** oneofOf is the index of the oneof a field belongs to, or undefined. */
function oneofOf(field) {
  return isFieldSet(field, FieldDescriptorProtoSchema.field.oneofIndex) ? field.oneofIndex : undefined;
}

function fieldLine(field, inOneof) {
  const label = inOneof ? '' : field.label === Label.REPEATED ? 'repeated ' : field.label === Label.REQUIRED ? 'required ' : 'optional ';
  return `${label}${fieldType(field)} ${field.name} = ${field.number}${fieldOptions(field)};`;
}

function messageLines(m) {
  if (m.options !== undefined && Object.keys(m.options).some((k) => k !== '$typeName' && m.options[k] !== undefined && k !== '$unknown')) {
    throw new Error(`message ${m.name}: message options are not printed yet`);
  }
  const lines = [`message ${m.name} {`];
  const inner = [];
  // Fields in declaration order; a oneof where its first field is.
  const printed = new Set();
  for (const f of m.field) {
    const index = oneofOf(f);
    if (index === undefined) {
      inner.push(fieldLine(f, false));
    } else if (!printed.has(index)) {
      printed.add(index);
      inner.push(`oneof ${m.oneofDecl[index].name} {`);
      for (const member of m.field.filter((x) => oneofOf(x) === index)) inner.push(`  ${fieldLine(member, true)}`);
      inner.push('}');
    }
  }
  for (const nested of m.nestedType) inner.push(...messageLines(nested));
  for (const e of m.enumType) inner.push(...enumLines(e));
  inner.push(...ranges('reserved', m.reservedRange, true));
  if (m.reservedName.length > 0) inner.push(`reserved ${m.reservedName.map(quote).join(', ')};`);
  inner.push(...ranges('extensions', m.extensionRange, true));
  lines.push(...inner.map((l) => `  ${l}`), '}');
  return lines;
}

function render() {
  const file = validate.file_buf_validate_validate.proto;
  if (file.syntax !== '' && file.syntax !== 'proto2') throw new Error(`unexpected syntax ${file.syntax}`);
  const o = file.options;
  const lines = [
    `// Generated by scripts/protovalidate-proto.js from the descriptor that`,
    `// @bufbuild/protovalidate ${version} ships (its validator evaluates these rules).`,
    `// Do not edit: run \`node scripts/protovalidate-proto.js\` after updating the package.`,
    `// Copyright 2023-2026 Buf Technologies, Inc. Licensed under the Apache`,
    `// License, Version 2.0; documentation: https://protovalidate.com`,
    '',
    'syntax = "proto2";',
    '',
    `package ${file.package};`,
    '',
    ...file.dependency.map((d) => `import ${quote(d)};`),
    '',
  ];
  if (o?.goPackage) lines.push(`option go_package = ${quote(o.goPackage)};`);
  if (o?.javaMultipleFiles) lines.push('option java_multiple_files = true;');
  if (o?.javaOuterClassname) lines.push(`option java_outer_classname = ${quote(o.javaOuterClassname)};`);
  if (o?.javaPackage) lines.push(`option java_package = ${quote(o.javaPackage)};`);
  lines.push('');
  const byExtendee = new Map();
  for (const x of file.extension) byExtendee.set(x.extendee, [...(byExtendee.get(x.extendee) ?? []), x]);
  for (const [extendee, list] of byExtendee) {
    lines.push(`extend ${extendee} {`);
    for (const x of list) lines.push(`  ${fieldLine(x, false)}`);
    lines.push('}', '');
  }
  for (const m of file.messageType) lines.push(...messageLines(m), '');
  for (const e of file.enumType) lines.push(...enumLines(e), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** formatted is the text as `buf format` writes it, so the workspace's format gate passes. */
function formatted(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protovalidate-'));
  try {
    const file = path.join('buf', 'validate', 'validate.proto');
    fs.mkdirSync(path.join(dir, 'buf', 'validate'), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
    return execFileSync(path.join(__dirname, '..', 'node_modules', '.bin', 'buf'), ['format', file], { cwd: dir, encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The registry resolves the extension types the options are read with.
createRegistry(validate.file_buf_validate_validate);
const text = formatted(render());
if (process.argv.includes('--check')) {
  const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(process.cwd(), OUT)} differs from what @bufbuild/protovalidate ${version} gives: run node scripts/protovalidate-proto.js`);
    process.exit(1);
  }
} else {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(process.cwd(), OUT)} from @bufbuild/protovalidate ${version}`);
}
