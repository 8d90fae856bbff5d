import type BetterSqlite3 from 'better-sqlite3';

/**
 * better-sqlite3, in the major that is safe on the running Node. Every value import of the package
 * goes through here (tests and the bench too); type imports may name 'better-sqlite3' directly,
 * both majors have the same API.
 *
 * - Node 22 and later: better-sqlite3 13 (installed under the alias `better-sqlite3-13`). 12.x
 *   wraps its Database and Statement in Node's header-only `node::ObjectWrap`, which from Node
 *   24.19 registers an environment cleanup hook in its constructor and removes it in its
 *   destructor, CHECKing that a Node environment is current. When the garbage collector frees a
 *   Statement or Database (closed or not), no environment is current, and the process aborts:
 *   "Assertion failed: (env) != nullptr" in node::RemoveEnvironmentCleanupHook from
 *   Statement::~Statement. Closing what we open does not help; no 12.x release avoids it. 13 is
 *   built on Node-API (node-addon-api's ObjectWrap) and is not affected.
 * - Node 20: better-sqlite3 12. 13 requires Node 22 (its prebuilt binary crashes on Node 20), and
 *   Node 20's headers have the old ObjectWrap, so 12 is safe there.
 */
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** The package loaded: `better-sqlite3-13` (the alias of better-sqlite3 13) or `better-sqlite3` (12). */
export const BETTER_SQLITE3_PACKAGE = NODE_MAJOR >= 22 ? 'better-sqlite3-13' : 'better-sqlite3';

// One literal require per branch: only the package chosen is loaded.
/* eslint-disable @typescript-eslint/no-require-imports */
const Database = (
  BETTER_SQLITE3_PACKAGE === 'better-sqlite3-13' ? require('better-sqlite3-13') : require('better-sqlite3')
) as typeof BetterSqlite3;
/* eslint-enable @typescript-eslint/no-require-imports */

export default Database;
