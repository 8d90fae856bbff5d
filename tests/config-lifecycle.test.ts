import { type ConfigError, loadConfig } from '../src/config';

describe('loadConfig: trial follow-up (issue 12)', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', LICENSING_CHANNEL: 'C0123ABCD' };
  const problemsOf = (extra: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...extra });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('defaults: 48 hours, no L&R group, no digest', () => {
    expect(loadConfig(base).lifecycle).toEqual({
      reminderHours: 48,
      lrTeamUsergroup: undefined,
      starDigestCron: undefined,
    });
  });

  it('reads the three variables', () => {
    expect(
      loadConfig({
        ...base,
        LICENSE_REMINDER_HOURS: '240',
        LR_TEAM_USERGROUP: 'S0LRTEAM',
        STAR_DIGEST_CRON: '0 9 * * 1',
      }).lifecycle,
    ).toEqual({
      reminderHours: 240,
      lrTeamUsergroup: 'S0LRTEAM',
      starDigestCron: '0 9 * * 1',
    });
  });

  it('refuses a lead time that is not a positive number, a group that is not an ID, and an invalid cron with its reason', () => {
    expect(problemsOf({ LICENSE_REMINDER_HOURS: '0' })).toEqual([
      "LICENSE_REMINDER_HOURS: must be a positive number of hours, got '0'",
    ]);
    expect(problemsOf({ LICENSE_REMINDER_HOURS: 'soon' })[0]).toMatch(/^LICENSE_REMINDER_HOURS: /);
    expect(problemsOf({ LR_TEAM_USERGROUP: '@lr-team' })).toEqual([
      'LR_TEAM_USERGROUP: must be a user group ID like S0123ABCD',
    ]);
    const [cron] = problemsOf({ STAR_DIGEST_CRON: '0 9 * *' });
    expect(cron).toMatch(/^STAR_DIGEST_CRON: invalid cron expression "0 9 \* \*": it has 4 fields, not 5/);
    expect(problemsOf({ STAR_DIGEST_CRON: '61 9 * * 1' })[0]).toMatch(/^STAR_DIGEST_CRON: invalid cron expression/);
  });
});
