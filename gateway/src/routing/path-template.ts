/**
 * Path templates of google.api.http (google/api/http.proto):
 *
 *   Template = "/" Segments [ Verb ] ;
 *   Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;
 *   Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   FieldPath = IDENT { "." IDENT } ;
 *   Verb     = ":" LITERAL ;
 *
 * `{id}` is `{id=*}`. `**` matches any number of segments and must be the
 * last segment.
 */

/** TemplateSegment is one path segment of a template, variables flattened into their patterns. */
export type TemplateSegment = { kind: 'literal'; value: string } | { kind: 'wildcard' } | { kind: 'deep' };

/** TemplateVariable binds the segments [start, end) to a request field; end is -1 when the variable ends in `**`. */
export interface TemplateVariable {
  fieldPath: string[];
  start: number;
  end: number;
  /** multiSegment: the value may contain "/" (more than one segment or `**`), so "%2F" stays encoded. */
  multiSegment: boolean;
  /** pattern is the variable's pattern as written ("*" when none was). */
  pattern: string;
}

/** PathTemplate is a parsed google.api.http path. */
export interface PathTemplate {
  source: string;
  segments: TemplateSegment[];
  variables: TemplateVariable[];
  verb: string | undefined;
}

/** TemplateError is a path template that does not follow the grammar. */
export class TemplateError extends Error {
  constructor(template: string, problem: string) {
    super(`invalid path template ${JSON.stringify(template)}: ${problem}`);
    this.name = 'TemplateError';
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 3986 pchar without ":" (it starts the verb), "/" and braces.
const LITERAL = /^(?:[A-Za-z0-9\-._~!$&'()+,;=@]|%[0-9A-Fa-f]{2})+$/;

/** parseTemplate parses a google.api.http path template, or throws a TemplateError. */
export function parseTemplate(source: string): PathTemplate {
  const fail = (problem: string): never => {
    throw new TemplateError(source, problem);
  };
  if (!source.startsWith('/')) fail('it must start with "/"');
  let pathPart = source;
  let verb: string | undefined;
  // The verb follows the last ":" outside braces.
  let depth = 0;
  let colon = -1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '{') depth += 1;
    else if (c === '}') depth -= 1;
    else if (c === ':' && depth === 0) colon = i;
  }
  if (depth !== 0) fail('unbalanced braces');
  if (colon >= 0) {
    pathPart = source.slice(0, colon);
    verb = source.slice(colon + 1);
    if (!LITERAL.test(verb)) fail(`invalid verb ${JSON.stringify(verb)}`);
  }
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  const seenFields = new Set<string>();
  const parts = splitOutsideBraces(pathPart.slice(1));
  for (const part of parts) {
    if (part.startsWith('{')) {
      if (!part.endsWith('}')) fail(`malformed variable ${JSON.stringify(part)}`);
      const inner = part.slice(1, -1);
      const eq = inner.indexOf('=');
      const fieldText = eq >= 0 ? inner.slice(0, eq) : inner;
      const pattern = eq >= 0 ? inner.slice(eq + 1) : '*';
      const fieldPath = fieldText.split('.');
      if (!fieldPath.every((p) => IDENT.test(p))) fail(`invalid field path ${JSON.stringify(fieldText)}`);
      if (seenFields.has(fieldText)) fail(`field ${fieldText} is bound twice`);
      seenFields.add(fieldText);
      if (pattern.includes('{') || pattern.includes('}')) fail('variables cannot nest');
      const start = segments.length;
      for (const p of pattern.split('/')) segments.push(parseSegment(p, fail));
      const deep = segments[segments.length - 1]?.kind === 'deep';
      variables.push({ fieldPath, start, end: deep ? -1 : segments.length, multiSegment: segments.length - start > 1 || deep, pattern });
    } else {
      segments.push(parseSegment(part, fail));
    }
  }
  segments.forEach((s, i) => {
    if (s.kind === 'deep' && i !== segments.length - 1) fail('"**" must be the last segment');
  });
  return { source, segments, variables, verb };
}

function parseSegment(text: string, fail: (problem: string) => never): TemplateSegment {
  if (text === '*') return { kind: 'wildcard' };
  if (text === '**') return { kind: 'deep' };
  if (text === '') return fail('empty segment');
  if (!LITERAL.test(text)) return fail(`invalid literal ${JSON.stringify(text)}`);
  return { kind: 'literal', value: decodeLiteral(text) };
}

function decodeLiteral(text: string): string {
  return text.includes('%') ? decodeURIComponent(text) : text;
}

function splitOutsideBraces(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth += 1;
    else if (c === '}') depth -= 1;
    else if (c === '/' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** openApiPath renders a template as an OpenAPI path: each variable becomes `{field.path}`. */
export function openApiPath(template: PathTemplate): string {
  let out = '';
  let i = 0;
  const byStart = new Map(template.variables.map((v) => [v.start, v]));
  while (i < template.segments.length) {
    const variable = byStart.get(i);
    if (variable) {
      out += `/{${variable.fieldPath.join('.')}}`;
      i = variable.end === -1 ? template.segments.length : variable.end;
      continue;
    }
    const s = template.segments[i];
    out += s.kind === 'literal' ? `/${s.value}` : s.kind === 'wildcard' ? '/*' : '/**';
    i += 1;
  }
  return template.verb === undefined ? out : `${out}:${template.verb}`;
}
