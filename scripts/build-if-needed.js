#!/usr/bin/env node
// `npm start` must work on a fresh clone without a separate install or build step, yet not pay for
// a compile on every start: install only when node_modules is missing, rebuild only when a source
// file is newer than the build.
const { statSync, readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const { installIfNeeded } = require('./install-if-needed');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'src', 'main.js');

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
  Math.max(...['src', 'testkit', 'bench'].map((dir) => newestMtime(join(root, dir)))) > statSync(built).mtimeMs;

installIfNeeded();
if (!existsSync(built) || sourcesChanged()) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: root,
  });
}
