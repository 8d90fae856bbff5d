/**
 * The license a real GitLab instance accepts (SPEC, "The license a real GitLab instance accepts"):
 * the file the local adapter produces is decoded as GitLab would and each rule is checked.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DateTime } from 'luxon';

import { LocalLicenseAdapter } from '../../src/licenses/local-adapter';
import { decodeLicenseFile } from '../../src/licenses/gitlab-license-file';
import { trialLicenseStartDate } from '../../src/licenses/dates';
import type { GeneratedLicense } from '../../src/licenses/types';
import { makeTempDir, removeTempDirs } from './support/tmp';

afterAll(removeTempDirs);

let privateKey: KeyObject;
let publicKey: KeyObject;
beforeAll(() => {
  ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
});

let seq = 0;
async function licenseAt(nowIso: string, userCount = 250): Promise<Record<string, any>> {
  const now = new Date(nowIso);
  const adapter = new LocalLicenseAdapter({ dataDir: makeTempDir(), signingKey: { privateKey }, now: () => now });
  seq += 1;
  const out = (await adapter.request({
    requestId: `rule-${seq}`,
    ticketUrl: 'https://t.example/1',
    email: 'ops@customer.example',
    userCount,
    requestedBy: 'jdoe',
  })) as GeneratedLicense;
  expect(out.status).toBe('generated');
  const attributes = decodeLicenseFile(out.licenseFile as string, publicKey);
  expect(out.expiresOn).toBe(attributes.expires_at);
  return attributes;
}

/** The calendar date of `instant` on an instance whose clock is set to `zone`. */
const localDate = (instant: string, zone: string) =>
  DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toISODate() as string;
const plusDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'utc' }).plus({ days }).toISODate() as string;

describe('the decoded license file', () => {
  let a: Record<string, any>;
  beforeAll(async () => {
    a = await licenseAt('2026-03-13T20:30:00Z', 1234);
  });

  test('never blocks pushes: there is no block_changes_at at all', () => {
    expect(Object.keys(a)).not.toContain('block_changes_at');
  });

  test("starts on today's date in UTC-12 and expires 10 days after its start", () => {
    expect(a.issued_at).toBe('2026-03-13'); // 20:30 UTC is 08:30 on the 13th in UTC-12
    expect(a.expires_at).toBe('2026-03-23');
  });

  test('restrictions: ultimate, trial, the requested user count as typed (no 10% added), nothing else', () => {
    expect(a.restrictions).toEqual({ plan: 'ultimate', trial: true, active_user_count: 1234 });
  });

  test('the other attributes follow GitLab trials: notifications at expiry, generic licensee, no cloud features', () => {
    expect(a.notify_admins_at).toBe(a.expires_at);
    expect(a.notify_users_at).toBe(a.expires_at);
    expect(Object.keys(a.licensee).sort()).toEqual(['Company', 'Email', 'Name']);
    expect(a.licensee.Email).toBe('ops@customer.example');
    // GitLab treats Company =~ /GitLab/ with an @gitlab.com email as a team license: ours is neither.
    expect(a.licensee.Company).not.toMatch(/gitlab/i);
    for (const flag of [
      'cloud_licensing_enabled',
      'offline_cloud_licensing_enabled',
      'auto_renew_enabled',
      'seat_reconciliation_enabled',
      'operational_metrics_enabled',
      'generated_from_customers_dot',
      'generated_from_cancellation',
    ]) {
      expect(a[flag]).toBe(false);
    }
    for (const absent of ['next_sync_at', 'last_synced_at', 'activated_at']) expect(a).not.toHaveProperty(absent);
    expect(a.version).toBe(1);
  });
});

describe('active at once on an instance in any time zone (UTC-12 .. UTC+14)', () => {
  const zones = [
    'Etc/GMT+12',
    'Pacific/Pago_Pago',
    'America/Los_Angeles',
    'America/New_York',
    'UTC',
    'Europe/Berlin',
    'Asia/Tokyo',
    'Pacific/Auckland',
    'Pacific/Kiritimati',
  ];
  test.each<[string, string]>([
    ['2026-03-13T00:00:00Z', '2026-03-12'], // midnight UTC: still the 12th in UTC-12
    ['2026-03-13T11:59:59Z', '2026-03-12'],
    ['2026-03-13T12:00:00Z', '2026-03-13'], // midnight in UTC-12
    ['2026-03-13T23:59:59Z', '2026-03-13'],
    ['2026-03-14T09:30:00Z', '2026-03-13'], // 23:30 on the 14th in UTC+14, 21:30 on the 13th in UTC-12
    ['2026-01-01T05:00:00Z', '2025-12-31'], // year boundary
  ])('now %s -> starts %s', async (now, start) => {
    const a = await licenseAt(now);
    expect(a.issued_at).toBe(start);
    expect(trialLicenseStartDate(new Date(now))).toBe(start);
    expect(a.expires_at).toBe(plusDays(start, 10));
    for (const zone of zones) {
      const today = localDate(now, zone);
      // GitLab: License#started? is `starts_at <= Date.current`; the gem's expired? is `Date.today >= expires_at`.
      expect(a.issued_at <= today).toBe(true);
      expect(today < a.expires_at).toBe(true);
    }
  });
});
