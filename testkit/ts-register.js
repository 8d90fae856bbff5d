/**
 * `node -r ./testkit/ts-register.js src/main.ts`: how the tests start the bot (and other TypeScript) as a
 * child process. Like ts-node's transpile-only mode, each .ts file is transpiled on its own with no type
 * check (`npm run typecheck` does that), but the output is kept in a cache folder keyed by the file's
 * content, and the compiler is loaded only on a miss: a child bot then starts on about 0.7 s of CPU
 * instead of about 5 s, and the tests start dozens of them.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

// The emit settings of tsconfig.json that change the output (type-only settings do not).
const COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'commonjs',
  esModuleInterop: true,
  resolveJsonModule: true,
  isolatedModules: true,
  inlineSourceMap: true,
};
const CACHE = join(tmpdir(), `lr-bot-ts-cache-${process.getuid?.() ?? 'user'}`);
const SALT = `${require('typescript/package.json').version}:${JSON.stringify(COMPILER_OPTIONS)}`;

let ts;
let options;

function transpile(source, filename) {
  if (!ts) {
    ts = require('typescript');
    options = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, process.cwd()).options;
  }
  return ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const key = createHash('sha256').update(SALT).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  let code;
  try {
    code = readFileSync(cached, 'utf8');
  } catch {
    code = transpile(source, filename);
    mkdirSync(CACHE, { recursive: true });
    // Written aside and renamed: a child starting at the same time never reads half a file.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
  }
  module._compile(code, filename);
};

process.setSourceMapsEnabled(true);
