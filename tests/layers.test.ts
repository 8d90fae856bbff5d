import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The layers of `src/`, lowest first (README "Layout" says what each holds). A module may import from
 * its own folder and from a lower layer, never from its own layer's other folders or a higher one; and
 * no chain of imports (type-only ones included) comes back to where it started.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['shared', 'logger'],
  ['policy', 'ops'],
  ['licenses'],
  // The Zendesk adapter: config reads its settings, workflows will call it.
  ['zendesk'],
  ['config'],
  ['store'],
  ['audit'],
  ['workflows'],
  ['slack'],
  // The composition root's parts: each builds one piece from the layers below; bot.ts calls them in order.
  ['composition'],
  ['bot', 'tools', 'setup-guide'],
  ['main'],
];

const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'src');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC);
const known = new Set(files);

/** What a file imports (import, export … from, import(), require), as written. */
const specifiersOf = (file: string) =>
  ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map(({ fileName }) => fileName);

/** The src files a file imports, by absolute path. */
function importsOf(file: string): string[] {
  return specifiersOf(file)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name))
    .map((base) => [`${base}.ts`, join(base, 'index.ts')].find((candidate) => known.has(candidate)))
    .filter((path): path is string => path !== undefined);
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

/** `store` for src/store/…, `bot` for src/bot.ts. */
const folderOf = (file: string) => relative(SRC, file).split('/')[0].replace(/\.ts$/, '');
const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));
const name = (file: string) => relative(SRC, file);

describe('imports of src/', () => {
  it('every top-level module of src/ has a layer', () => {
    const unplaced = [...new Set(files.map(folderOf))].filter((folder) => layerOf(folder) < 0);
    expect(unplaced).toEqual([]);
  });

  it('no import from a lower layer to a higher one, or across folders of one layer', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const from = folderOf(file);
      for (const target of imports) {
        const to = folderOf(target);
        if (to !== from && layerOf(to) >= layerOf(from)) upward.push(`${name(file)} → ${name(target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  // The image compiles src/ alone (tsconfig.build.json) and prunes the devDependencies: an import of the
  // development code beside src/ (testkit, bench, tests, gallery) breaks its build, one of a devDependency
  // fails when the module loads.
  it('no import from outside src/ or of a package outside dependencies', () => {
    const outsideSrc: string[] = [];
    const notShipped: string[] = [];
    for (const file of files) {
      for (const specifier of specifiersOf(file)) {
        if (specifier.startsWith('.')) {
          const top = relative(ROOT, resolve(dirname(file), specifier)).split('/')[0];
          if (top !== 'src') outsideSrc.push(`${name(file)} → ${specifier}`);
        } else if (!specifier.startsWith('node:')) {
          const packageName = specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/');
          if (!(packageName in packageJson.dependencies)) notShipped.push(`${name(file)} → ${specifier}`);
        }
      }
    }
    expect(outsideSrc).toEqual([]);
    expect(notShipped).toEqual([]);
  });

  it('no import cycle', () => {
    // Tarjan's strongly connected components: any with more than one file is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (file: string) => {
      index.set(file, index.size);
      low.set(file, index.get(file)!);
      stack.push(file);
      onStack.add(file);
      for (const target of graph.get(file)!) {
        if (!index.has(target)) {
          visit(target);
          low.set(file, Math.min(low.get(file)!, low.get(target)!));
        } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(name(member));
        } while (member !== file);
        if (component.length > 1 || graph.get(file)!.includes(file)) cycles.push(component.sort());
      }
    };
    for (const file of files) if (!index.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it('finds the imports it checks (a parser that saw none would pass the tests above)', () => {
    expect(graph.get(join(SRC, 'main.ts'))).toContain(join(SRC, 'bot.ts'));
    expect(graph.get(join(SRC, 'bot.ts'))).toContain(join(SRC, 'composition/leased-work.ts'));
    expect(graph.get(join(SRC, 'slack/listeners/index.ts'))).toContain(join(SRC, 'slack/listeners/commands/index.ts'));
  });
});
