import { resolve } from 'node:path';
/**
 * Identities shared by the fake Slack Web API (what `auth.test` answers) and the payload builders
 * (what "Slack" puts in the requests it sends to the app), so both sides describe one workspace.
 */

export const FAKE_TEAM = { id: 'T0FAKETEAM', domain: 'gitlab-fake', name: 'GitLab (fake)' } as const;

export const FAKE_APP_ID = 'A0FAKEAPP1';

/** The bot the app is installed as: `auth.test` returns these. */
export const FAKE_BOT = { userId: 'U0FAKEBOT1', botId: 'B0FAKEBOT1', name: 'lr-oncall-bot' } as const;

/** Default person clicking around in Slack when a builder is not told who. */
export const DEFAULT_USER = { id: 'U0ENGINEER', username: 'support.engineer', name: 'support.engineer' } as const;

/** Default channel a slash command is typed into. */
export const DEFAULT_CHANNEL = { id: 'C0ONCALL01', name: 'support_licensing-subscription' } as const;

/** The deprecated verification token Slack still puts in every payload. */
export const VERIFICATION_TOKEN = 'fakeVerificationToken0000';

/** Default timezone of users the fake does not know (GitLab Support has lots of AMER folks). */
export const DEFAULT_TZ = 'America/New_York';

/** Slack gives the app 3 seconds to use a trigger_id. */
export const TRIGGER_TTL_MS = 3000;

/** `node -r TS_REGISTER file.ts`: runs TypeScript in a child process, transpiled once and cached (see the file). */
export const TS_REGISTER = resolve(__dirname, 'ts-register.js');
