import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data folder holds every license, every customer email and the development signing key, so
 * it is the owner's only whatever the umask: the folder 0700, its files 0600. Permissions that
 * are too open on an existing folder or file are tightened, and reported so the start-up log
 * says so.
 */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

export interface ModeFix {
  path: string;
  /** Octal text, e.g. "755". */
  from: string;
  to: string;
}

const octal = (mode: number) => (mode & 0o777).toString(8);

function tighten(path: string, wanted: number): ModeFix | undefined {
  const mode = statSync(path).mode & 0o777;
  if (mode === wanted) return undefined;
  chmodSync(path, wanted);
  return { path, from: octal(mode), to: octal(wanted) };
}

/** Creates the folder 0700 (or tightens an existing one) and tightens the files already in it. */
export function secureDataDir(dataDir: string): ModeFix[] {
  // mkdir's mode is masked by the umask; the chmod below makes it exact.
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const fixes: ModeFix[] = [];
  const dirFix = tighten(dataDir, DATA_DIR_MODE);
  if (dirFix) fixes.push(dirFix);
  fixes.push(...secureTree(dataDir));
  return fixes;
}

/** Files 0600 and sub-folders (e.g. licenses/) 0700, recursively. */
function secureTree(dir: string): ModeFix[] {
  const fixes: ModeFix[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const fix = tighten(path, DATA_DIR_MODE);
      if (fix) fixes.push(fix);
      fixes.push(...secureTree(path));
    } else if (entry.isFile()) {
      const fix = tighten(path, DATA_FILE_MODE);
      if (fix) fixes.push(fix);
    }
  }
  return fixes;
}

/** Tightens the given files to 0600 where they exist (e.g. the database's -wal/-shm companions). */
export function secureFiles(paths: string[]): ModeFix[] {
  const fixes: ModeFix[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const fix = tighten(path, DATA_FILE_MODE);
    if (fix) fixes.push(fix);
  }
  return fixes;
}
