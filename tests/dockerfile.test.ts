import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * There is no Docker engine where the tests run, so the Dockerfile's essentials are checked as
 * text: stages, dependencies, user, health check, signals, the start command and secrets.
 */

const root = join(__dirname, '..');

interface Instruction {
  keyword: string; // upper-cased: FROM, RUN, COPY ...
  args: string; // the rest, continuation lines joined
  line: number; // 1-based line where the instruction starts
}

interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions: drops comments and blank lines, joins `\` continuations. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return; // comments may sit inside continuations
    const continues = trimmed.endsWith('\\');
    const piece = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending
      ? { text: `${pending.text} ${piece}`.trim(), line: pending.line }
      : { text: piece, line: index + 1 };
    if (!continues) {
      const match = /^(\S+)\s*([\s\S]*)$/.exec(pending.text);
      if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: pending.line });
      pending = undefined;
    }
  });
  if (pending) throw new Error(`Dockerfile ends inside a line continuation (from line ${pending.line})`);
  return instructions;
}

function splitStages(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`cannot read FROM on line ${instruction.line}: ${instruction.args}`);
      stages.push({ image: match[1], name: match[2], instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    } else if (instruction.keyword !== 'ARG') {
      throw new Error(`${instruction.keyword} before the first FROM (line ${instruction.line})`);
    }
  }
  return stages;
}

/** Variable names set by an ENV (or ARG) instruction, in both `K=v K2=v2` and legacy `K v` forms. */
function declaredNames(args: string): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) return [args.split(/\s+/)[0]];
  const names: string[] = [];
  const pair = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (let m = pair.exec(args); m; m = pair.exec(args)) names.push(m[1]);
  return names;
}

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
      const pair = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
      for (let m = pair.exec(args); m; m = pair.exec(args)) env[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
    } else {
      const [name, ...rest] = args.split(/\s+/);
      env[name] = rest.join(' ');
    }
  }
  return env;
}

/** Parses an exec-form (JSON array) instruction argument; undefined when it is shell form. */
function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) return undefined;
  return parsed;
}

const runs = (stage: Stage): string[] => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const only = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);
const lastIndexOf = (stage: Stage, keyword: string): number =>
  stage.instructions.map((i) => i.keyword).lastIndexOf(keyword);

const SECRETS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'GITLAB_TOKEN'];

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const instructions = parseDockerfile(dockerfile);
  const stages = splitStages(instructions);
  const runtime = stages[stages.length - 1];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    main?: string;
    scripts: Record<string, string>;
  };

  it('has named multi-stage builds on node:20', () => {
    const nodeStages = stages.filter((s) => /^node:20([.-]|$)/.test(s.image) && s.name);
    expect(nodeStages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.image).toMatch(/^node:20([.-]|$)/);
    expect(runtime.name).toBeTruthy();
  });

  it('installs with `npm ci` and builds in a build stage', () => {
    const build = stages.find((s) => runs(s).some((r) => /\bnpm run build\b/.test(r)));
    expect(build).toBeDefined();
    expect(build).not.toBe(runtime);
    expect(runs(build!).some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    // better-sqlite3 may need to compile its native addon.
    expect(runs(build!).join('\n')).toMatch(/python3[\s\S]*make[\s\S]*g\+\+|g\+\+[\s\S]*make[\s\S]*python3/);
  });

  it('ships only production dependencies in the runtime stage', () => {
    expect(envOf(runtime).NODE_ENV).toBe('production');
    const nodeModules = only(runtime, 'COPY').filter((c) => /\bnode_modules\b/.test(c.args));
    expect(nodeModules).toHaveLength(1);
    const from = /--from=(\S+)/.exec(nodeModules[0].args)?.[1];
    expect(from).toBeDefined();
    const source = stages.find((s) => s.name === from);
    expect(source).toBeDefined();
    // The copied node_modules comes from `npm ci --omit=dev` or was pruned with `npm prune --omit=dev`.
    expect(runs(source!).some((r) => /\bnpm (ci|prune)\b[^&;|]*--omit=dev/.test(r))).toBe(true);
    // And the runtime stage installs nothing itself (no dev dependencies, no build tools).
    expect(runs(runtime).filter((r) => /\bnpm (ci|install|i)\b|apt-get install/.test(r))).toEqual([]);
  });

  it('copies the build output, package.json and manifest.yml but never .env', () => {
    const copies = only(runtime, 'COPY').map((c) => c.args);
    expect(copies.some((c) => /--from=\S+\s+\S*dist\b/.test(c))).toBe(true);
    expect(copies.some((c) => /\bpackage\.json\b/.test(c))).toBe(true);
    expect(copies.some((c) => /\bmanifest\.yml\b/.test(c))).toBe(true);
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD'))
      expect(copy.args).not.toMatch(/\.env\b/);
  });

  it('runs as the non-root node user, set before CMD and never switched back', () => {
    const users = only(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1].args).toBe('node');
    expect(lastIndexOf(runtime, 'USER')).toBeLessThan(lastIndexOf(runtime, 'CMD'));
  });

  it('keeps its data in a volume owned by node', () => {
    expect(envOf(runtime).DATA_DIR).toBe('/app/data');
    const volumes = only(runtime, 'VOLUME').map((v) => v.args);
    expect(
      volumes.some((v) => v === '/app/data' || JSON.stringify(execForm(v)) === JSON.stringify(['/app/data'])),
    ).toBe(true);
    expect(runs(runtime).some((r) => /chown\s+(-R\s+)?node(:node)?\s+\/app\/data\b/.test(r))).toBe(true);
    // Changes to a volume's path after VOLUME are discarded: the chown must come first.
    const chownAt = runtime.instructions.findIndex((i) => i.keyword === 'RUN' && /chown[^&]*\/app\/data/.test(i.args));
    expect(chownAt).toBeLessThan(lastIndexOf(runtime, 'VOLUME'));
  });

  it('defaults to HTTP mode on port 3000', () => {
    expect(envOf(runtime)).toMatchObject({ SLACK_MODE: 'http', PORT: '3000' });
    expect(only(runtime, 'EXPOSE').map((e) => e.args)).toContain('3000');
  });

  it('has a HEALTHCHECK that asks /healthz with node itself', () => {
    const checks = only(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const { args } = checks[0];
    for (const option of ['interval', 'timeout', 'retries']) expect(args).toMatch(new RegExp(`--${option}=\\S+`));
    const command = /\bCMD\s+([\s\S]*)$/.exec(args)?.[1] ?? '';
    const exec = execForm(command);
    const script = exec ? exec.join(' ') : command;
    expect(exec?.[0] ?? script.split(/\s+/)[0]).toBe('node');
    expect(script).toContain('127.0.0.1');
    expect(script).toContain('/healthz');
    expect(script).toContain('PORT');
    expect(script).not.toMatch(/\b(curl|wget)\b/);
  });

  it('stops with SIGTERM and starts the file `npm start` runs, in exec form', () => {
    expect(only(runtime, 'STOPSIGNAL').map((s) => s.args)).toEqual(['SIGTERM']);
    const cmds = only(runtime, 'CMD');
    expect(cmds.length).toBeGreaterThan(0);
    const cmd = execForm(cmds[cmds.length - 1].args);
    expect(cmd).toBeDefined();
    expect(only(runtime, 'ENTRYPOINT')).toEqual([]);

    const start = pkg.scripts.start.trim().split(/\s+/);
    expect(start[0]).toBe('node');
    const startScript = start[start.length - 1];
    expect(cmd).toEqual(['node', startScript]);
    expect(pkg.main).toBe(startScript);
    // The compiled entry point comes from src/main.ts under tsconfig's outDir "dist" with rootDir ".".
    expect(startScript).toBe('dist/src/main.js');
  });

  it('sets no secret in ENV or ARG', () => {
    const declared = instructions
      .filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')
      .flatMap((i) => declaredNames(i.args));
    expect(
      declared.filter((name) => SECRETS.includes(name) || /TOKEN|SECRET|PASSWORD|PRIVATE_KEY/i.test(name)),
    ).toEqual([]);
    expect(dockerfile).not.toMatch(/xox[abpr]-[0-9A-Za-z-]{10,}|xapp-[0-9A-Za-z-]{10,}|glpat-[0-9A-Za-z_-]{10,}/);
  });

  it('copies into the build only files that exist and that .dockerignore lets through', () => {
    const ignored = new Set(
      readFileSync(join(root, '.dockerignore'), 'utf8')
        .split(/\r?\n/)
        .map((line) => line.trim().replace(/^\/+|\/+$/g, ''))
        .filter((line) => line && !line.startsWith('#') && !line.startsWith('!')),
    );
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((part) => !part.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, ignored: ignored.has(source.replace(/^\.\//, '')) }).toEqual({ source, ignored: false });
      if (!source.includes('*'))
        expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
    }
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.replace(/^\/+|\/+$/g, ''));

  it.each(['.env', 'node_modules', 'data', 'dist', '.git', 'coverage', 'tests', '*.cpuprofile'])(
    'excludes %s',
    (entry) => {
      expect(patterns).toContain(entry);
    },
  );

  it('does not re-include secrets or state', () => {
    const reincluded = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    expect(reincluded.filter((p) => p !== '.env.example' && /^(\.env|data|node_modules)/.test(p))).toEqual([]);
  });
});
