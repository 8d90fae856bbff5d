#!/usr/bin/env node
// `npm start` and `npm test` must work as the first command on a fresh clone. When the dependencies
// were never installed, install exactly what package-lock.json says (`npm ci`) before going on.
// Node built-ins only: nothing else exists yet when this runs.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..');

/** npm writes this hidden lockfile at the end of every install; without it the tree is missing or half-done. */
function installed() {
  return existsSync(join(root, 'node_modules', '.package-lock.json'));
}

/** Said before the first install, which can be silent for minutes. */
const FIRST_INSTALL_NOTICE = [
  'node_modules is missing: installing what package-lock.json says (npm ci).',
  'This may take a few minutes the first time, with little output: better-sqlite3 (the embedded',
  'store) is a native addon, and where no prebuilt binary for this Node version and platform can be',
  'downloaded it is compiled from source (python3, make and a C++ compiler). Later runs skip this.',
  '',
].join('\n');

function installIfNeeded() {
  if (installed()) return false;
  process.stderr.write(FIRST_INSTALL_NOTICE);
  // Run the npm that runs us (npm sets npm_execpath), so the same version applies allowScripts.
  const npmCli = process.env.npm_execpath;
  const viaNode = Boolean(npmCli && /\.[cm]?js$/.test(npmCli));
  const command = viaNode ? process.execPath : 'npm';
  const args = [...(viaNode ? [npmCli] : []), 'ci', '--no-audit', '--no-fund'];
  execFileSync(command, args, { stdio: 'inherit', cwd: root });
  return true;
}

module.exports = { installIfNeeded, FIRST_INSTALL_NOTICE };

if (require.main === module) installIfNeeded();
