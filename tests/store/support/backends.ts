import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore, SqliteStore, type Store } from '../../../src/store';
import { usePostgres } from '../../support/postgres';

export interface Backend {
  name: string;
  /** A new empty place for a store: a folder (SQLite) or a database URL (PostgreSQL). */
  newLocation(): Promise<string>;
  open(location: string): Promise<Store>;
  cleanUp(location: string): void;
}

/**
 * The two backends a contract runs on: the embedded SQLite store (a fresh folder per location,
 * named after `folderPrefix`) and PostgreSQL (a fresh database per location on the throwaway
 * server, which goes as a whole; an external one drops its databases). Call at the top level of a
 * test file: it registers the server's set-up and tear-down.
 */
export function storeBackends(folderPrefix: string): Backend[] {
  const postgres = usePostgres();
  return [
    {
      name: 'SQLite',
      newLocation: async () => mkdtempSync(join(tmpdir(), folderPrefix)),
      open: async (dir) => new SqliteStore(dir),
      cleanUp: (dir) => rmSync(dir, { recursive: true, force: true }),
    },
    {
      name: 'PostgreSQL',
      newLocation: () => postgres().createDatabase(),
      open: (url) => PostgresStore.open({ connectionString: url, max: 5 }),
      cleanUp: () => undefined,
    },
  ];
}
