/**
 * What `npm start` prints when the configuration is missing or wrong: the person at the terminal
 * has just cloned the repository, so say which variables to set and where Slack shows each value,
 * not a stack trace.
 */

const APPS_PAGE = 'https://api.slack.com/apps → your app';

/** Where each value comes from. Only variables a first run needs, or that have a place in Slack. */
const WHERE: Record<string, string> = {
  SLACK_BOT_TOKEN: `the Bot User OAuth Token (xoxb-…): ${APPS_PAGE} → OAuth & Permissions (after installing the app)`,
  SLACK_APP_TOKEN:
    `Socket Mode: an App-Level Token (xapp-…) with connections:write: ${APPS_PAGE} → Basic ` +
    `Information → App-Level Tokens`,
  SLACK_SIGNING_SECRET: `HTTP mode: the Signing Secret: ${APPS_PAGE} → Basic Information → App Credentials`,
  LICENSING_CHANNEL:
    'the channel ID (C…) of #support_licensing-subscription: open the channel, click its name; the ID is at the ' +
    'bottom of About',
  GITLAB_URL: 'LICENSE_ADAPTER=gitlab-issue: the http(s) URL of the GitLab instance that receives the license requests',
  GITLAB_TOKEN: 'LICENSE_ADAPTER=gitlab-issue: a GitLab access token with the api scope',
  GITLAB_PROJECT_ID: 'LICENSE_ADAPTER=gitlab-issue: the ID or path of the project the request issues go to',
};

/** The variables that mean "someone has started configuring the bot". */
const SLACK_SETTINGS = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'LICENSING_CHANNEL'];

const FIRST_RUN_STEPS = [
  'The bot is not configured yet. To set it up:',
  '  1. Create the Slack app: https://api.slack.com/apps → Create New App → From an app manifest → paste manifest.yml.',
  '  2. Install it to the workspace.',
  '  3. Copy .env.example to .env and set:',
  `       SLACK_BOT_TOKEN       ${WHERE.SLACK_BOT_TOKEN}`,
  `       SLACK_APP_TOKEN       ${WHERE.SLACK_APP_TOKEN}`,
  `         or SLACK_SIGNING_SECRET  ${WHERE.SLACK_SIGNING_SECRET}`,
  `       LICENSING_CHANNEL     ${WHERE.LICENSING_CHANNEL}`,
  '  4. Run npm start again. Every other variable is optional and described in .env.example and README.md.',
];

/**
 * The text for a configuration that does not load. `problems` are ConfigError's lines
 * ("VARIABLE: what is wrong"); `env` is what was given, to tell a first run from a typo.
 */
export function setupGuide(problems: readonly string[], env: NodeJS.ProcessEnv): string {
  const firstRun = SLACK_SETTINGS.every((name) => !env[name]?.trim());
  if (firstRun) return `${FIRST_RUN_STEPS.join('\n')}\n`;
  const lines = ['Cannot start: the configuration in .env or the environment is incomplete or invalid.'];
  for (const problem of problems) {
    lines.push(`  - ${problem}`);
    const where = WHERE[problem.split(':', 1)[0]];
    if (where) lines.push(`      where: ${where}`);
  }
  lines.push('Fix these in .env (see .env.example) and run npm start again.');
  return `${lines.join('\n')}\n`;
}
