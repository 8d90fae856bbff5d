/**
 * `npm run gallery`: renders every screen the bot can show into one static page,
 * dist/gallery-page/index.html (dist/gallery/ holds this code, compiled), with no Slack workspace and
 * no network (the bot talks to the testkit's fake Slack on a loopback port). Options: `--out <dir>`,
 * `--tz <IANA zone>` (the zone `<!date>` is shown in; default America/New_York).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { screenBuilderNames } from './builders';
import type { Screen } from './capture';
import { renderGallery } from './render';
import { CHANNELS, collectScreens, GROUPS, PEOPLE } from './scenarios';

export const DEFAULT_TIME_ZONE = 'America/New_York';

export interface GalleryOutput {
  file: string;
  screens: Screen[];
  buildersCalled: string[];
  builders: string[];
}

export const galleryNames = (): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(PEOPLE).map(([id, p]) => [id, p.real_name])),
  ...Object.fromEntries(Object.entries(GROUPS).map(([id, g]) => [id, g.handle])),
  ...CHANNELS,
  U0LEAVER: 'Pat Leaver',
});

export async function writeGallery(outDir: string, timeZone = DEFAULT_TIME_ZONE): Promise<GalleryOutput> {
  if (!DateTime.now().setZone(timeZone).isValid) throw new Error(`--tz: not an IANA time zone: ${timeZone}`);
  const result = await collectScreens();
  const builders = screenBuilderNames();
  const html = renderGallery(result.screens, {
    timeZone,
    names: galleryNames(),
    botName: 'lr-oncall-bot',
    now: result.now,
    buildersCalled: result.buildersCalled,
    builderCount: builders.length,
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.html');
  writeFileSync(file, html);
  writeFileSync(join(outDir, 'screens.json'), `${JSON.stringify({ timeZone, builders, ...result }, null, 1)}\n`);
  return { file, screens: result.screens, buildersCalled: result.buildersCalled, builders };
}

/** The project folder (the nearest one up with a package.json): from gallery/ under ts-node and from dist/gallery/. */
function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const outDir = resolve(argValue(args, '--out') ?? join(projectRoot(), 'dist', 'gallery-page'));
  writeGallery(outDir, argValue(args, '--tz') ?? DEFAULT_TIME_ZONE)
    .then(({ file, screens, builders, buildersCalled }) => {
      const missing = builders.filter((b) => !buildersCalled.includes(b));
      process.stdout.write(`gallery: ${screens.length} screens → ${file}\n`);
      if (missing.length > 0) {
        process.stderr.write(`gallery: screen builders never called: ${missing.join(', ')}\n`);
        process.exitCode = 1;
      }
    })
    .catch((error: Error) => {
      process.stderr.write(`gallery: ${error.stack ?? error.message}\n`);
      process.exitCode = 1;
    });
}
