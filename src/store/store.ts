import type { LifecycleRepository } from './lifecycle-types';
import type { TicketWriteRepository } from './ticket-write-types';
import type {
  AuditOutbox,
  LicenseRequestRepository,
  OpenRequestRepository,
  StarDecisionRepository,
  UserPreferenceRepository,
} from './types';

/**
 * The whole store: one repository per kind of record, so that callers depend on the one they
 * need (the workflow on `requests`, the audit dispatcher on `outbox`, ...).
 */
export interface Store {
  readonly requests: LicenseRequestRepository;
  readonly openRequests: OpenRequestRepository;
  readonly outbox: AuditOutbox;
  readonly decisions: StarDecisionRepository;
  readonly preferences: UserPreferenceRepository;
  /** The trial follow-up: reminder/lapse jobs, request events, scheduled runs. */
  readonly lifecycle: LifecycleRepository;
  /** The bot's writes on Zendesk tickets (issue 20). */
  readonly ticketWrites: TicketWriteRepository;
  /** Cheap write probe for the health check; resolves false (never rejects) when writes fail. */
  isWritable(): Promise<boolean>;
  /** Releases the database (idempotent). */
  close(): Promise<void>;
}
