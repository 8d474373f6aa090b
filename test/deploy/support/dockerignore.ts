import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Rule {
  negate: boolean;
  regex: RegExp;
}

/** parseDockerignore reads .dockerignore patterns the way Docker does: in order, `!` re-includes, the last match wins. */
export function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      let source = '';
      for (let i = 0; i < pattern.length; i += 1) {
        const c = pattern[i]!;
        if (c === '*' && pattern[i + 1] === '*') {
          // "**/" matches any number of directories, "**" anything.
          if (pattern[i + 2] === '/') {
            source += '(?:.*/)?';
            i += 2;
          } else {
            source += '.*';
            i += 1;
          }
        } else if (c === '*') source += '[^/]*';
        else if (c === '?') source += '[^/]';
        else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, regex: new RegExp(`^${source}$`) };
    });
}

/** isExcluded tells whether a path (relative, with /) is left out of the build context: a pattern matches the path or a parent of it. */
export function isExcluded(rules: Rule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negate;
  }
  return excluded;
}

/** contextFiles lists the files of a directory that a Docker build context with its .dockerignore holds. */
export function contextFiles(root: string): string[] {
  const rules = parseDockerignore(readFileSync(join(root, '.dockerignore'), 'utf8'));
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.name === '.git' || entry.name === 'node_modules') {
        // Never walked: huge, and checked as excluded separately.
        if (!isExcluded(rules, path)) out.push(`${path}/`);
        continue;
      }
      if (entry.isDirectory()) walk(path);
      else if (!isExcluded(rules, path)) out.push(path);
    }
  };
  walk('');
  return out.sort();
}
