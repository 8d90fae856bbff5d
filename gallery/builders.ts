/**
 * The screen builders of the bot and a record of which ones the gallery called.
 *
 * A screen builder is an exported function whose name starts with `build` in a module of
 * `src/slack/views` or `src/slack/messages` (the convention every screen of the bot follows), or an
 * exported function whose name starts with `build` or ends with `Blocks` in one of the modules of
 * SCREEN_MODULE_FILES (blocks that other screens put in, such as what a Zendesk ticket said). The
 * modules are CommonJS once compiled (tsc or ts-jest), and the bot calls an imported function through
 * the exporting module's object (`(0, module_1.buildX)(...)`), so replacing the property with a
 * recording wrapper sees every call the real code makes, with no change to the bot.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Folders (relative to src/slack) whose `build*` exports are screens. */
export const SCREEN_MODULE_DIRS = ['views', 'messages'] as const;

/**
 * Modules (relative to src/slack) outside those folders that build part of a screen: their `build*`
 * and `*Blocks` exports are screen builders too.
 */
export const SCREEN_MODULE_FILES = ['zendesk-ticket'] as const;

const slackDir = join(__dirname, '..', 'src', 'slack');

/** Whether the export `key` of the module `name` (`views/app-home`, `zendesk-ticket`) builds a screen. */
function isScreenBuilder(name: string, key: string, value: unknown): boolean {
  if (typeof value !== 'function') return false;
  if (key.startsWith('build')) return true;
  return (SCREEN_MODULE_FILES as readonly string[]).includes(name) && key.endsWith('Blocks');
}

export interface BuilderCall {
  /** `views/star-verdict.buildStarVerdictView` */
  builder: string;
  seq: number;
}

type Exports = Record<string, unknown>;

function screenModules(): { name: string; exports: Exports }[] {
  const out: { name: string; exports: Exports }[] = [];
  for (const dir of SCREEN_MODULE_DIRS) {
    const files = readdirSync(join(slackDir, dir))
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => f.replace(/\.(ts|js)$/, ''));
    for (const base of [...new Set(files)].sort()) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      out.push({ name: `${dir}/${base}`, exports: require(join(slackDir, dir, base)) as Exports });
    }
  }
  for (const file of SCREEN_MODULE_FILES)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    out.push({ name: file, exports: require(join(slackDir, file)) as Exports });
  return out;
}

/** Every screen builder the bot has: `views/app-home.buildAppHome`, ... */
export function screenBuilderNames(): string[] {
  const names: string[] = [];
  for (const mod of screenModules())
    for (const [key, value] of Object.entries(mod.exports))
      if (isScreenBuilder(mod.name, key, value)) names.push(`${mod.name}.${key}`);
  return names.sort();
}

export interface BuilderRecorder {
  calls: BuilderCall[];
  /** Puts the original functions back. */
  restore(): void;
}

/** Wraps every screen builder so that each call is recorded (the result is passed through unchanged). */
export function recordBuilderCalls(): BuilderRecorder {
  const calls: BuilderCall[] = [];
  const undo: (() => void)[] = [];
  for (const mod of screenModules()) {
    for (const [key, value] of Object.entries(mod.exports)) {
      if (!isScreenBuilder(mod.name, key, value)) continue;
      const original = value as (...args: unknown[]) => unknown;
      const builder = `${mod.name}.${key}`;
      const descriptor = Object.getOwnPropertyDescriptor(mod.exports, key);
      if (!descriptor?.configurable && !descriptor?.writable)
        throw new Error(`gallery: cannot record calls of ${builder} (its export is read-only)`);
      const wrapped = function (this: unknown, ...args: unknown[]) {
        calls.push({ builder, seq: calls.length });
        return original.apply(this, args);
      };
      Object.defineProperty(mod.exports, key, { value: wrapped, writable: true, enumerable: true, configurable: true });
      undo.push(() => Object.defineProperty(mod.exports, key, descriptor));
    }
  }
  return {
    calls,
    restore: () => undo.forEach((fn) => fn()),
  };
}
