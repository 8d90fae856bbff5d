/** The URL without its password, for messages (kept apart from the PostgreSQL driver, which loads only when used). */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'PostgreSQL database';
  }
}
