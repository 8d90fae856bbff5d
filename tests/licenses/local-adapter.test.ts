import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { LocalLicenseAdapter } from '../../src/licenses/local-adapter';
import { createLicenseAdapter } from '../../src/licenses';
import { decodeLicenseFile } from '../../src/licenses/gitlab-license-file';
import type { GeneratedLicense, TrialLicenseRequest } from '../../src/licenses/types';
import { makeTempDir, removeTempDirs } from './support/tmp';

afterAll(removeTempDirs);

let privateKey: KeyObject;
let publicKey: KeyObject;
beforeAll(() => {
  ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
});

const baseRequest: TrialLicenseRequest = {
  requestId: 'req-0001',
  ticketUrl: 'https://support.example.com/tickets/123',
  email: 'ops@customer.example',
  userCount: 250,
  requestedBy: 'jdoe',
};

function adapterAt(dataDir: string, now: () => Date) {
  return new LocalLicenseAdapter({ dataDir, signingKey: { privateKey }, now });
}

function expectGenerated(outcome: unknown): GeneratedLicense {
  expect(outcome).toMatchObject({ status: 'generated' });
  return outcome as GeneratedLicense;
}

describe('LocalLicenseAdapter', () => {
  it('signs a 10-day Ultimate trial and writes it to <dataDir>/licenses/<requestId>.gitlab-license', async () => {
    const dataDir = makeTempDir();
    const adapter = adapterAt(dataDir, () => new Date('2025-07-04T10:00:00Z'));
    expect(adapter.name).toBe('local');

    const out = expectGenerated(await adapter.request(baseRequest));
    const file = path.join(dataDir, 'licenses', 'req-0001.gitlab-license');
    expect(out).toEqual({
      status: 'generated',
      licenseFile: fs.readFileSync(file, 'utf8'),
      fileName: 'req-0001.gitlab-license',
      // 10:00 UTC on 4 July is 22:00 on 3 July in UTC-12: the license starts on the 3rd.
      expiresOn: '2025-07-13',
      reference: file,
    });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(dataDir, 'licenses'))).toEqual(['req-0001.gitlab-license']);

    const attrs = decodeLicenseFile(out.licenseFile!, publicKey);
    expect(attrs).toMatchObject({
      licensee: { Email: 'ops@customer.example' },
      issued_at: '2025-07-03',
      expires_at: '2025-07-13',
      restrictions: { active_user_count: 250, plan: 'ultimate', trial: true },
    });
  });

  it('is idempotent by request ID: a retry returns the same file and does not sign again', async () => {
    const dataDir = makeTempDir();
    let now = new Date('2025-07-04T10:00:00Z');
    const adapter = adapterAt(dataDir, () => now);
    const first = expectGenerated(await adapter.request(baseRequest));

    now = new Date('2025-07-06T10:00:00Z'); // two days later: must not change anything
    const second = expectGenerated(await adapter.request(baseRequest));
    expect(second).toEqual(first);

    // After a restart (new adapter instance), follow() completes from the stored file.
    const restarted = adapterAt(dataDir, () => new Date('2025-07-09T00:00:00Z'));
    const followed = expectGenerated(await restarted.follow(baseRequest, first.reference));
    expect(followed).toEqual(first);
    expect(fs.readdirSync(path.join(dataDir, 'licenses'))).toEqual(['req-0001.gitlab-license']);
  });

  it('signs only once for concurrent calls with the same request ID', async () => {
    const dataDir = makeTempDir();
    const a = adapterAt(dataDir, () => new Date('2025-07-04T10:00:00Z'));
    const b = adapterAt(dataDir, () => new Date('2025-07-04T10:00:00Z')); // e.g. a second replica
    const outcomes = await Promise.all([
      a.request(baseRequest),
      a.request(baseRequest),
      b.request(baseRequest),
      b.follow(baseRequest, 'x'),
    ]);
    const files = outcomes.map((o) => expectGenerated(o).licenseFile);
    expect(new Set(files).size).toBe(1);
    expect(fs.readdirSync(path.join(dataDir, 'licenses'))).toEqual(['req-0001.gitlab-license']);
  });

  it('follow() generates the license when the request never ran', async () => {
    const dataDir = makeTempDir();
    const adapter = adapterAt(dataDir, () => new Date('2025-07-04T10:00:00Z'));
    const out = expectGenerated(await adapter.follow({ ...baseRequest, requestId: 'req-after-restart' }, ''));
    expect(out.fileName).toBe('req-after-restart.gitlab-license');
    expect(fs.existsSync(out.reference)).toBe(true);
  });

  it.each([
    ['2024-12-28T23:59:59Z', '2024-12-28', '2025-01-07'], // year boundary
    ['2025-01-01T11:59:59Z', '2024-12-31', '2025-01-10'], // still 2024 in UTC-12
    ['2025-01-25T12:00:00Z', '2025-01-25', '2025-02-04'], // month boundary
    ['2025-01-25T00:00:00Z', '2025-01-24', '2025-02-03'], // midnight UTC is the previous day in UTC-12
    ['2024-02-20T12:00:00Z', '2024-02-20', '2024-03-01'], // leap February
    ['2025-02-20T12:00:00Z', '2025-02-20', '2025-03-02'],
    // 04:30 UTC on 1 April is 31 March in UTC-12, whatever the host's zone
    ['2025-03-31T23:30:00-05:00', '2025-03-31', '2025-04-10'],
  ])('now=%s issues on %s and expires on %s', async (now, issuedOn, expiresOn) => {
    const adapter = adapterAt(makeTempDir(), () => new Date(now));
    const out = expectGenerated(await adapter.request(baseRequest));
    expect(out.expiresOn).toBe(expiresOn);
    const attrs = decodeLicenseFile(out.licenseFile!, publicKey);
    expect(attrs.issued_at).toBe(issuedOn);
    expect(attrs.expires_at).toBe(expiresOn);
  });

  it('returns failed (without throwing or writing) for invalid requests', async () => {
    const dataDir = makeTempDir();
    const adapter = adapterAt(dataDir, () => new Date('2025-07-04T10:00:00Z'));
    const bad = [
      { ...baseRequest, email: 'not-an-email' },
      { ...baseRequest, userCount: 0 },
      { ...baseRequest, userCount: 10.5 },
      { ...baseRequest, requestId: '' },
    ];
    for (const req of bad) {
      const out = await adapter.request(req);
      expect(out.status).toBe('failed');
      expect((out as { reason: string }).reason.length).toBeGreaterThan(0);
    }
    expect(fs.existsSync(path.join(dataDir, 'licenses')) ? fs.readdirSync(path.join(dataDir, 'licenses')) : []).toEqual(
      [],
    );
  });

  it('keeps odd request IDs inside the licenses directory', async () => {
    const dataDir = makeTempDir();
    const adapter = adapterAt(dataDir, () => new Date('2025-07-04T10:00:00Z'));
    const out = expectGenerated(await adapter.request({ ...baseRequest, requestId: '../../escape' }));
    expect(path.dirname(out.reference)).toBe(path.join(dataDir, 'licenses'));
    expect(out.fileName).toMatch(/^request-[0-9a-f]{32}\.gitlab-license$/);
    // Still idempotent.
    expect(await adapter.request({ ...baseRequest, requestId: '../../escape' })).toEqual(out);
  });

  it('refuses to hand out an existing file for another email / user count, or one it cannot verify', async () => {
    const dataDir = makeTempDir();
    const adapter = adapterAt(dataDir, () => new Date('2025-07-04T10:00:00Z'));
    expectGenerated(await adapter.request(baseRequest));
    const mismatch = await adapter.request({ ...baseRequest, userCount: 999 });
    expect(mismatch).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/already made.*Not signing a second license/),
    });

    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const rotated = new LocalLicenseAdapter({ dataDir, signingKey: { privateKey: otherKey } });
    const unverifiable = await rotated.request(baseRequest);
    expect(unverifiable).toMatchObject({ status: 'failed', reason: expect.stringMatching(/cannot be verified/) });
    // Reasons reach the licensing channel: words for people, no file paths or shell chores.
    for (const out of [mismatch, unverifiable]) {
      const reason = (out as { reason: string }).reason;
      expect(reason).not.toContain(dataDir);
      expect(reason).not.toMatch(/move the file|\.gitlab-license/);
    }
    // The original file is untouched.
    expect(
      decodeLicenseFile(fs.readFileSync(path.join(dataDir, 'licenses', 'req-0001.gitlab-license'), 'utf8'), publicKey),
    ).toBeTruthy();
  });

  it('reports storage problems as failed', async () => {
    const dataDir = makeTempDir();
    fs.writeFileSync(path.join(dataDir, 'licenses'), 'a file where the directory should be');
    const out = await adapterAt(dataDir, () => new Date()).request(baseRequest);
    expect(out).toMatchObject({ status: 'failed', reason: expect.stringMatching(/Could not store the trial license/) });
    // The reason is shown to people (the licensing channel, the status modal, App Home): a plain
    // reason, never where the bot keeps its files; the path and the system's words go to the log only.
    const { reason, detail } = out as { reason: string; detail?: string };
    expect(reason).not.toContain(dataDir);
    expect(reason).not.toMatch(/\/[\w.-]+\/|ENOTDIR|open '/);
    expect(reason).toMatch(/licenses folder/);
    expect(detail).toContain(path.join(dataDir, 'licenses'));
  });
});

describe('createLicenseAdapter', () => {
  it('builds the local adapter with a development key (and warns)', async () => {
    const dataDir = makeTempDir();
    const warnings: string[] = [];
    const adapter = createLicenseAdapter({
      adapter: 'local',
      dataDir,
      warn: (m) => warnings.push(m),
      now: () => new Date('2025-01-01T00:00:00Z'),
    });
    expect(adapter.name).toBe('local');
    expect(warnings.join('\n')).toMatch(/real GitLab instances do not accept licenses it signs/);
    const out = expectGenerated(await adapter.request(baseRequest));
    // Midnight UTC on 1 January is still 31 December in UTC-12: the license starts then.
    expect(out.expiresOn).toBe('2025-01-10');
  });

  it('builds the gitlab-issue adapter and rejects unknown adapters', () => {
    const adapter = createLicenseAdapter({
      adapter: 'gitlab-issue',
      baseUrl: 'http://127.0.0.1:9',
      token: 'glpat-xxxxxxxx',
      projectId: 1,
      pollIntervalMs: 10,
      timeoutMs: 100,
      requestTimeoutMs: 50,
    });
    expect(adapter.name).toBe('gitlab-issue');
    expect(() => createLicenseAdapter({ adapter: 'premium' } as never)).toThrow(/Unknown license adapter "premium"/);
  });
});
