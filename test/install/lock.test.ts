import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../support/repo';

/**
 * The lock file is what a newcomer's `npm ci` installs (scripts/ensure-deps.js
 * runs it before `npm start` and `npm test`). npm 10 and 11 refuse a lock that
 * lacks another platform's optional binary, which an `npm install` on one
 * platform can drop; these tests keep the lock complete.
 */
interface LockEntry {
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  link?: boolean;
}
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const rootPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };

/** resolves finds the lock entry Node's lookup would reach for `name` from `from`. */
function resolves(from: string, name: string): boolean {
  let dir = from;
  for (;;) {
    if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const at = dir.lastIndexOf('node_modules/');
    dir = at <= 0 ? '' : dir.slice(0, at - 1);
  }
}

describe('package-lock.json', () => {
  it('holds every optional dependency of every locked package, for every platform', () => {
    const missing: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolves(where, name)) missing.push(`${where || '(root)'} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('is accepted by `npm ci` of npm 10 and 11 as it is, with no engine warning for the supported Node', () => {
    // A copy of the manifests only: `npm ci --dry-run` checks the lock against
    // them without touching the checkout's node_modules.
    const copy = mkdtempSync(join(tmpdir(), 'shop-lock-'));
    try {
      cpSync(join(repoRoot, 'package.json'), join(copy, 'package.json'));
      cpSync(join(repoRoot, 'package-lock.json'), join(copy, 'package-lock.json'));
      for (const where of Object.keys(lock.packages)) {
        if (where.startsWith('node_modules/') || where === '') continue;
        mkdirSync(join(copy, where), { recursive: true });
        cpSync(join(repoRoot, where, 'package.json'), join(copy, where, 'package.json'));
      }
      expect(rootPackage.workspaces.length).toBeGreaterThan(0);
      // The machine's npm (11 here), and npm 10, which a newcomer may still have.
      for (const npm of [['npm'], ['npx', '--yes', 'npm@10']]) {
        const ci = run(npm[0], [...npm.slice(1), 'ci', '--dry-run', '--no-audit', '--no-fund', '--ignore-scripts'], copy);
        expect({ npm: npm.join(' '), status: ci.status, output: ci.output }).toEqual({ npm: npm.join(' '), status: 0, output: expect.any(String) });
        expect(ci.output).not.toMatch(/EBADENGINE|EUSAGE|Missing: /);
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 120_000);
});

