/**
 * What the bot asks a license adapter for. There is deliberately no plan, no duration and no
 * "trial" flag here: every adapter can only ever produce a 10-day Ultimate *trial* license
 * (SPEC "Hard rule": a Support Manager never creates a brand-new non-trial license).
 */
export interface TrialLicenseRequest {
  /** Stable ID of the request in the ledger; adapters use it to make retries idempotent. */
  requestId: string;
  ticketUrl: string;
  /** The person who opened the ticket; the license goes to them. */
  email: string;
  /** Read from the customer's Admin Area -> Overview -> Dashboard screenshot. */
  userCount: number;
  /** GitLab username of the engineer who asked for it. */
  requestedBy: string;
}

export const TRIAL_DAYS = 10;

/** The license adapters there are (LICENSE_ADAPTER); a stored request names the one that handled it. */
export const LICENSE_ADAPTER_NAMES = ['local', 'gitlab-issue'] as const;
export type LicenseAdapterName = (typeof LICENSE_ADAPTER_NAMES)[number];
export const TRIAL_PLAN = 'ultimate';

/** The adapter produced the license itself (local adapter): hand the file to the engineer. */
export interface GeneratedLicense {
  status: 'generated';
  /** The `.gitlab-license` file content. */
  licenseFile?: string;
  fileName?: string;
  /** ISO date (yyyy-mm-dd, UTC) on which the trial license stops working. */
  expiresOn: string;
  /** Where the adapter keeps its own trace (file path, issue URL). */
  reference: string;
  /**
   * Who the license was actually created for, when the system that created it says so
   * (gitlab-issue adapter: Mechanizer's "Created a license under EMAIL for N users"). Callers can
   * compare it with the request and warn on a mismatch.
   */
  issuedTo?: { email: string; userCount: number };
}

export interface FailedLicense {
  status: 'failed';
  /** Shown to people (the licensing channel, the status modal, App Home): plain words, no file paths. */
  reason: string;
  reference?: string;
  /** For the bot's log only: the system's own words (file paths, error codes). */
  detail?: string;
}

/** The request was handed to a system that finishes later (gitlab-issue adapter). */
export interface PendingLicense {
  status: 'pending';
  reference: string;
}

export type LicenseOutcome = GeneratedLicense | FailedLicense | PendingLicense;

export interface LicenseAdapter {
  readonly name: LicenseAdapterName;
  /** Starts the request. Must not throw for business failures: return `failed` with a reason. */
  request(req: TrialLicenseRequest): Promise<LicenseOutcome>;
  /**
   * Follows a pending request until it is generated or failed (bounded in time), e.g. after a
   * restart. Adapters that never return `pending` may complete it by calling `request` again.
   */
  follow(req: TrialLicenseRequest, reference: string): Promise<GeneratedLicense | FailedLicense>;
}
