#!/usr/bin/env node
// `npm start` must work on a fresh clone without a separate install or build step, yet not pay for
// a compile on every start: install only when node_modules is missing, rebuild only when a source
// file is newer than the build.
const { statSync, readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const { installIfNeeded } = require('./install-if-needed');

const root = join(__dirname, '..');
// The bot and the development tools that run from dist/ (bench, gallery, and the testkit they use);
// `npm run build` (tsconfig.build.json, the image's build) compiles src/ alone.
const config = join(root, 'tsconfig.dev.json');
const sources = ['src', 'testkit', 'bench', 'gallery'];
const outputs = ['src/main.js', 'bench/run.js', 'gallery/main.js'].map((file) => join(root, 'dist', file));

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

const sourcesChanged = () =>
  Math.max(...sources.map((dir) => newestMtime(join(root, dir)))) >
  Math.min(...outputs.map((file) => statSync(file).mtimeMs));

installIfNeeded();
if (!outputs.every((file) => existsSync(file)) || sourcesChanged()) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], {
    stdio: 'inherit',
    cwd: root,
  });
}
