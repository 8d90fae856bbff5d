import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { loadConfig } from '../src/config';

/**
 * There is no Docker engine where the tests run, so the Dockerfile's essentials are checked as
 * text: stages, dependencies, user, health check, signals, the start command and secrets. The
 * health check's own script is run for real, against loopback servers, in each mode, and the
 * build stage's compile is run for real in a folder holding only what the stage copies.
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

  // The LTS line CI also tests on (.ci/run's NODE_LTS): the image must not run on a Node no test ran on.
  const ciNode = /^NODE_LTS=(\d+)\.\d+\.\d+$/m.exec(readFileSync(join(root, '.ci', 'run'), 'utf8'))?.[1];

  it('has named multi-stage builds on the Node LTS that .ci/run tests on', () => {
    expect(ciNode).toBeDefined();
    expect(Number(ciNode) % 2).toBe(0); // LTS lines are the even ones
    expect(Number(ciNode)).toBeGreaterThanOrEqual(24); // Node 20 reached its end of life in April 2026
    const onLts = new RegExp(`^node:${ciNode}([.-]|$)`);
    const nodeStages = stages.filter((s) => onLts.test(s.image) && s.name);
    expect(nodeStages.length).toBeGreaterThanOrEqual(2);
    expect(stages.map((s) => s.image).filter((image) => !onLts.test(image))).toEqual([]);
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

  it("leaves the mode to the bot's rule and exposes the port of each mode with the bot's defaults", () => {
    const env = envOf(runtime);
    expect(env.SLACK_MODE).toBeUndefined();
    // The image's ports are the bot's defaults: a variable left unset in the container means the same.
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', LICENSING_CHANNEL: 'C0123' });
    expect(env).toMatchObject({ PORT: String(config.slack.port), HEALTH_PORT: String(config.slack.healthPort) });
    expect(env.METRICS_PORT).toBe('9464');
    const exposed = only(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    expect(exposed.sort()).toEqual([env.PORT, env.HEALTH_PORT, env.METRICS_PORT].sort());
  });

  describe('HEALTHCHECK', () => {
    const checks = only(runtime, 'HEALTHCHECK');
    const args = checks[0]?.args ?? '';
    const command = /\bCMD\s+([\s\S]*)$/.exec(args)?.[1] ?? '';
    const exec = execForm(command);

    it('is one exec-form check that asks 127.0.0.1/healthz with node itself', () => {
      expect(checks).toHaveLength(1);
      for (const option of ['interval', 'timeout', 'retries']) expect(args).toMatch(new RegExp(`--${option}=\\S+`));
      expect(exec?.slice(0, 2)).toEqual(['node', '-e']);
      expect(exec).toHaveLength(3);
      expect(exec?.[2]).toContain('127.0.0.1');
      expect(exec?.[2]).toContain('/healthz');
      expect(exec?.join(' ')).not.toMatch(/\b(curl|wget)\b/);
    });

    // Two loopback servers stand for the bot's two health ports: only the right one says 200.
    let up: Server;
    let down: Server;
    const portOf = (server: Server) => String((server.address() as AddressInfo).port);
    const listen = (status: number) =>
      new Promise<Server>((resolve) => {
        const server = createServer((req, res) => {
          res.writeHead(req.url === '/healthz' ? status : 404).end();
        });
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    beforeAll(async () => {
      up = await listen(200);
      down = await listen(503);
    });
    afterAll(async () => {
      await Promise.all([up, down].map((server) => new Promise((resolve) => server?.close(resolve))));
    });

    /** Exit code of the health check's script run with `env` (what the container would have). */
    const check = (env: Record<string, string>) =>
      new Promise<number>((resolve) => {
        execFile(process.execPath, exec!.slice(1), { env: { PATH: process.env.PATH, ...env }, timeout: 10_000 }, (e) =>
          resolve(e ? Number((e as { code?: number }).code ?? 1) : 0),
        );
      });
    const ports = (healthy: 'PORT' | 'HEALTH_PORT') => ({
      PORT: healthy === 'PORT' ? portOf(up) : portOf(down),
      HEALTH_PORT: healthy === 'HEALTH_PORT' ? portOf(up) : portOf(down),
    });

    it.each([
      ['Socket Mode by its app token', { SLACK_APP_TOKEN: 'xapp-1' }, 'HEALTH_PORT'],
      ['SLACK_MODE=socket', { SLACK_MODE: 'socket', SLACK_APP_TOKEN: 'xapp-1' }, 'HEALTH_PORT'],
      ['HTTP mode by its absent app token', { SLACK_SIGNING_SECRET: 's' }, 'PORT'],
      [
        'SLACK_MODE=http with an app token',
        { SLACK_MODE: 'http', SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's' },
        'PORT',
      ],
      ['an empty SLACK_MODE (as .env.example ships it)', { SLACK_MODE: '', SLACK_APP_TOKEN: 'xapp-1' }, 'HEALTH_PORT'],
    ] as const)('%s: probes the port the bot serves health on', async (_, mode, healthy) => {
      // The bot's own rule, so the check and the bot cannot disagree on the mode.
      const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', LICENSING_CHANNEL: 'C0123', ...mode });
      expect(config.slack.mode === 'socket' ? 'HEALTH_PORT' : 'PORT').toBe(healthy);
      expect(await check({ ...mode, ...ports(healthy) })).toBe(0);
      // And it fails when that port is unhealthy, whatever the other one says.
      expect(await check({ ...mode, ...ports(healthy === 'PORT' ? 'HEALTH_PORT' : 'PORT') })).toBe(1);
    });

    it('fails when nothing listens, and falls back to the defaults for unset ports', async () => {
      const closed = await listen(200);
      const port = portOf(closed);
      await new Promise((resolve) => closed.close(resolve));
      expect(await check({ SLACK_MODE: 'http', PORT: port })).toBe(1);
      expect(exec?.[2]).toMatch(/HEALTH_PORT'\)\|\|3001/);
      expect(exec?.[2]).toMatch(/PORT'\)\|\|3000/);
    });
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
    const ignoreLines = dockerignoreLines();
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
      expect({ source, ignored: ignoredByDocker(source.replace(/^\.\/|\/+$/g, ''), ignoreLines) }).toEqual({
        source,
        ignored: false,
      });
      if (!source.includes('*'))
        expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
    }
  });
});

/** A path pattern of a COPY source or a .dockerignore line (`*`, `?`, `**`) as a regular expression. */
function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\.\//, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) =>
      part === '**/'
        ? '(?:.*/)?'
        : part === '**'
          ? '.*'
          : part === '*'
            ? '[^/]*'
            : part === '?'
              ? '[^/]'
              : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

/**
 * Whether Docker leaves `path` (relative to the context) out of the build context: the last
 * .dockerignore line that matches it or one of its parent folders decides; `!` lets it back in.
 */
function ignoredByDocker(path: string, lines: string[]): boolean {
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = globRegExp(negated ? line.slice(1) : line);
    if (prefixes.some((prefix) => pattern.test(prefix))) ignored = !negated;
  }
  return ignored;
}

const dockerignoreLines = (): string[] =>
  readFileSync(join(root, '.dockerignore'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.replace(/^(!?)\/+/, '$1').replace(/\/+$/, ''));

/**
 * Docker cannot run here, so the build stage is replayed: its COPY lines copy from the checkout (as
 * the build context, .dockerignore applied) into an empty folder standing for its WORKDIR, and its
 * `npm run build` runs there. Its `npm ci` is replaced by a link to the checkout's node_modules (the
 * same packages, installed from the same lock file), and no other command runs: the apt-get and
 * `npm prune` steps would change the system or the linked node_modules, and do not decide whether
 * the code compiles. So a build that reaches for a folder the stage does not copy fails here.
 */
describe('Dockerfile: the build stage, replayed without Docker', () => {
  const stages = splitStages(parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8')));
  const build = stages.find((stage) => runs(stage).some((r) => /\bnpm run build\b/.test(r)))!;
  const ignoreLines = dockerignoreLines();
  let workdir = '';

  /** Every file under `source` (a file or folder of the checkout) that the build context holds. */
  const contextFiles = (source: string): string[] => {
    if (ignoredByDocker(source, ignoreLines)) return [];
    if (!existsSync(join(root, source))) throw new Error(`COPY ${source}: no such file in the checkout`);
    if (!statSync(join(root, source)).isDirectory()) return [source];
    return readdirSync(join(root, source)).flatMap((name) => contextFiles(posix.join(source, name)));
  };

  /** COPY <sources...> <dest>: a folder's contents go into dest; a file into dest/ (or to dest when it is one file). */
  const copy = (args: string, into: string, stageWorkdir: string) => {
    const parts = args.split(/\s+/).filter((part) => !part.startsWith('--'));
    const dest = parts.pop()!;
    const target = posix.isAbsolute(dest) ? posix.relative(stageWorkdir, dest) : dest;
    if (target.startsWith('..')) throw new Error(`COPY to ${dest}, outside the WORKDIR ${stageWorkdir}`);
    const sources = parts.flatMap((source) => {
      const clean = source.replace(/^\.\//, '').replace(/\/+$/, '');
      if (!/[*?]/.test(clean)) return [clean];
      const pattern = globRegExp(clean);
      return readdirSync(join(root, posix.dirname(clean)))
        .map((name) => posix.join(posix.dirname(clean), name))
        .filter((path) => pattern.test(path));
    });
    const intoFolder = dest.endsWith('/') || sources.length > 1 || /[*?]/.test(args);
    for (const source of sources)
      for (const file of contextFiles(source)) {
        const isFolderSource = file !== source;
        const name = isFolderSource ? posix.relative(source, file) : intoFolder ? posix.basename(file) : '';
        const to = join(into, target, name);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(join(root, file), to);
      }
  };

  beforeAll(() => {
    workdir = mkdtempSync(join(tmpdir(), 'lr-image-build-'));
    let stageWorkdir = '/';
    for (const instruction of build.instructions) {
      if (instruction.keyword === 'WORKDIR') stageWorkdir = posix.resolve(stageWorkdir, instruction.args);
      if (instruction.keyword === 'COPY' && !/--from=/.test(instruction.args))
        copy(instruction.args, workdir, stageWorkdir);
    }
    symlinkSync(join(root, 'node_modules'), join(workdir, 'node_modules'), 'dir');
  });

  afterAll(() => {
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('copies the package files, the TypeScript configs and src/, and nothing of the development tools', () => {
    const top = readdirSync(workdir).sort();
    expect(top).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.build.json', 'src']));
    expect(top.filter((name) => ['tests', 'testkit', 'bench', 'gallery', '.env'].includes(name))).toEqual([]);
  });

  it("compiles with the stage's own `npm run build` into dist/src/main.js, the file the image starts", async () => {
    const commands = runs(build)
      .flatMap((run) => run.split('&&'))
      .map((command) => command.trim())
      .filter((command) => /^npm run build\b/.test(command));
    expect(commands).toEqual(['npm run build']);
    const [command, ...args] = commands[0].split(/\s+/);
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(command, args, { cwd: workdir, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({ code: 0, output: '' });
    expect(existsSync(join(workdir, 'dist', 'src', 'main.js'))).toBe(true);
  }, 120_000);
});

describe('.dockerignore', () => {
  const patterns = dockerignoreLines();

  it.each(['.env', 'node_modules', 'data', 'secrets', 'dist', '.git', 'coverage', 'tests', '*.cpuprofile'])(
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
