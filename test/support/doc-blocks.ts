/**
 * Doc blocks: the fenced code blocks of a Markdown file, as the doc tests
 * run them. A shell block (sh, bash, shell) or a TypeScript block (ts) runs;
 * one that must not (it starts a long-running process, needs a cluster, is
 * a fragment) says so on its first line, visibly to readers:
 *
 *   # Not run by the doc tests: it starts the mesh, which the tests start themselves.
 *   // Not run by the doc tests: a fragment of a service's main.ts.
 *
 * Other languages (plain output, proto, json, sql) are text, never run.
 */
export interface DocBlock {
  file: string;
  /** line is the 1-based line of the opening fence. */
  line: number;
  lang: 'sh' | 'ts';
  code: string;
  /** skip is the reason given on the block's first line, when it is not run. */
  skip?: string;
}

const FENCE = /^```([A-Za-z0-9_-]*)\s*$/;
const LANGS: Record<string, DocBlock['lang']> = { sh: 'sh', bash: 'sh', shell: 'sh', ts: 'ts', typescript: 'ts' };
const NOT_RUN = /^(?:#|\/\/)\s*Not run by the doc tests:\s*(.+)$/;

/** docBlocks lists a Markdown text's runnable blocks (shell and TypeScript), in order. */
export function docBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i].trim() !== '```'; i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: a code block is never closed`);
    const lang = LANGS[open[1].toLowerCase()];
    if (lang === undefined) continue;
    const skip = NOT_RUN.exec(body[0] ?? '')?.[1];
    blocks.push({ file, line: start + 1, lang, code: body.join('\n'), ...(skip === undefined ? {} : { skip }) });
  }
  return blocks;
}

/** PORTS are the ports the docs use: those of `npm start` (scripts/mesh.ts). */
const PORTS = /(127\.0\.0\.1|localhost):(5005[1-6]|8080|8090|945[1-6])\b/g;

/** movePorts rewrites the mesh's documented ports by offset (a mesh on SHOPMESH_PORT_OFFSET). */
export function movePorts(code: string, offset: number): string {
  return offset === 0 ? code : code.replace(PORTS, (_m, host: string, port: string) => `${host}:${Number(port) + offset}`);
}
