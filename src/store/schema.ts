/** What both backends' migrations share. */

export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
    readonly file: string,
  ) {
    super(
      `Database ${file} has schema version ${databaseVersion}, but this version of the bot only knows ` +
        `migrations up to ${codeVersion}. It was written by a newer release: upgrade the bot (or point it ` +
        `at another data directory); refusing to open it rather than risk corrupting it.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrationResult {
  /** Schema version before this call. */
  from: number;
  /** Schema version after this call. */
  to: number;
  /** Versions applied by this call (empty when the database was already up to date). */
  applied: number[];
}
