/**
 * Scratch directories for the license tests, kept inside the project (tests/licenses/.tmp/, git-ignored)
 * so that the tests depend on nothing outside the repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '.tmp');
const created: string[] = [];

export function makeTempDir(prefix = 'case-'): string {
  fs.mkdirSync(ROOT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, prefix));
  created.push(dir);
  return dir;
}

/** Removes every directory made by this test file (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.rmdirSync(ROOT); // only succeeds once every test file cleaned up
  } catch {
    /* other test files still use it */
  }
}
