import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files a newcomer and a packager look for: licence, changelog, contributing, dependency notes. */

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  version: string;
  license: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

describe('LICENSE', () => {
  it("is the MIT licence that package.json's `license` names", () => {
    expect(pkg.license).toBe('MIT');
    const text = read('LICENSE');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toMatch(/^Copyright \(c\) \d{4} \S/m);
    expect(text).toContain('Permission is hereby granted, free of charge, to any person obtaining a copy');
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});

describe('CHANGELOG.md', () => {
  const text = read('CHANGELOG.md');
  const versions = [...text.matchAll(/^## \[([^\]]+)\](?: - (\S+))?$/gm)].map((m) => ({ version: m[1], date: m[2] }));

  it('follows Keep a Changelog, with an Unreleased section first', () => {
    expect(text).toContain('[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)');
    expect(text).toContain('[Semantic Versioning](https://semver.org/spec/v2.0.0.html)');
    expect(versions[0]?.version).toBe('Unreleased');
    const headings = [...text.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(
      headings.filter((h) => !['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'].includes(h)),
    ).toEqual([]);
  });

  it("names package.json's version as the latest release, dated, and every version is semver, newest first", () => {
    const released = versions.slice(1);
    expect(released[0]).toEqual({ version: pkg.version, date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    for (const { version } of released) expect(version).toMatch(SEMVER);
    const numbers = released.map(({ version }) => version.split(/[-+]/)[0].split('.').map(Number));
    for (let i = 1; i < numbers.length; i++) {
      const [a, b] = [numbers[i - 1], numbers[i]];
      expect(a[0] * 1e6 + a[1] * 1e3 + a[2]).toBeGreaterThan(b[0] * 1e6 + b[1] * 1e3 + b[2]);
    }
  });
});

describe('CONTRIBUTING.md', () => {
  const text = read('CONTRIBUTING.md');

  it('covers running, testing, linting, benchmarking, the testkit and where things live', () => {
    for (const heading of [
      'Set up and run',
      'Test',
      'Lint and format',
      'Benchmark',
      'The testkit',
      'Where things live',
    ])
      expect(text).toMatch(new RegExp(`^## ${heading}$`, 'm'));
  });

  it('names only npm scripts that exist, and only paths that exist', () => {
    const scripts = [...text.matchAll(/npm run (?:-s )?([a-z-]+)/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(3);
    expect(scripts.filter((s) => !(s in pkg.scripts))).toEqual([]);
    const paths = [...text.matchAll(/`((?:src|tests|testkit|bench|deploy)\/[\w./-]*)`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });
});

describe('README "Dependency notes"', () => {
  it('says why each dependency is there (type packages aside)', () => {
    const readme = read('README.md');
    const notes = readme.slice(readme.indexOf('## Dependency notes'));
    const names = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].filter(
      (name) => !name.startsWith('@types/'),
    );
    expect(names.filter((name) => !notes.includes(name))).toEqual([]);
  });
});
