import { DateTime } from 'luxon';
import { VERDICTS, type ChartVerdict, type VerdictId } from './star-flowchart';

/**
 * The weekly STAR digest: what the /star-check verdicts of a period were, and which "No need for
 * STAR" tickets the manager still has to label (the handbook's "Manager to collect data for
 * feedback and label STAR issue" step). Verdict IDs and labels come from the flowchart, the one
 * source of truth, so a renamed verdict shows up here unchanged.
 */

/** The fields of a recorded decision the digest reads (a StarDecisionRecord fits). */
export interface StarDecisionEntry {
  id: string;
  ticketUrl: string;
  decidedBySlackId: string;
  /** A VerdictId of the chart; older records may carry an ID the chart no longer has. */
  verdict: string;
  createdAt: string;
}

/** [start, end): the start is included, the end is not, so consecutive weeks never overlap. */
export interface DigestPeriod {
  start: DateTime;
  end: DateTime;
}

export interface VerdictCount {
  verdict: ChartVerdict;
  count: number;
}

export interface TicketToLabel {
  ticketUrl: string;
  decidedBySlackId: string;
  /** ISO instant of the decision. */
  decidedAt: string;
  decisionId: string;
}

export interface StarDigest {
  period: DigestPeriod;
  /** Every decision in the period. */
  total: number;
  /** One entry per chart verdict, in the chart's order, zero counts included. */
  byVerdict: VerdictCount[];
  /** Decisions whose verdict ID the chart does not know (kept visible rather than dropped). */
  unknownVerdicts: { verdict: string; count: number }[];
  /** "No need for STAR" tickets to label, oldest decision first. */
  toLabel: TicketToLabel[];
}

export const NO_NEED_FOR_STAR: VerdictId = 'no_need_for_star';
export const DEFAULT_DIGEST_DAYS = 7;

/** The `days` days that end at `end` (normally the digest's scheduled run), in UTC. */
export function digestPeriodEnding(end: DateTime, days = DEFAULT_DIGEST_DAYS): DigestPeriod {
  if (!end.isValid) throw new RangeError(`invalid end of period: ${end.invalidReason ?? 'unknown'}`);
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`a digest covers a whole number of days (>= 1): ${days}`);
  const utcEnd = end.toUTC();
  return { start: utcEnd.minus({ days }), end: utcEnd };
}

function instantOf(entry: StarDecisionEntry): number | undefined {
  const at = DateTime.fromISO(entry.createdAt, { zone: 'utc' });
  return at.isValid ? at.toMillis() : undefined;
}

const isVerdictId = (value: string): value is VerdictId => Object.prototype.hasOwnProperty.call(VERDICTS, value);

/**
 * Counts every decision of the period by verdict. The list to label has each ticket once, by its
 * latest decision in the period: a ticket re-checked and found Ok to STAR after a "No need" is
 * not labelled as an unneeded STAR.
 */
export function computeStarDigest(decisions: readonly StarDecisionEntry[], period: DigestPeriod): StarDigest {
  const start = period.start.toMillis();
  const end = period.end.toMillis();
  const inPeriod = decisions
    .map((entry) => ({ entry, at: instantOf(entry) }))
    .filter(
      (item): item is { entry: StarDecisionEntry; at: number } =>
        item.at !== undefined && item.at >= start && item.at < end,
    )
    .sort((a, b) => a.at - b.at || a.entry.id.localeCompare(b.entry.id));

  const counts = new Map<string, number>();
  const latestByTicket = new Map<string, { entry: StarDecisionEntry; at: number }>();
  for (const item of inPeriod) {
    counts.set(item.entry.verdict, (counts.get(item.entry.verdict) ?? 0) + 1);
    latestByTicket.set(item.entry.ticketUrl, item);
  }

  const byVerdict = (Object.keys(VERDICTS) as VerdictId[]).map((id) => ({
    verdict: VERDICTS[id],
    count: counts.get(id) ?? 0,
  }));
  const unknownVerdicts = [...counts.entries()]
    .filter(([verdict]) => !isVerdictId(verdict))
    .map(([verdict, count]) => ({ verdict, count }))
    .sort((a, b) => a.verdict.localeCompare(b.verdict));
  const toLabel = [...latestByTicket.values()]
    .filter(({ entry }) => entry.verdict === NO_NEED_FOR_STAR)
    .sort((a, b) => a.at - b.at || a.entry.id.localeCompare(b.entry.id))
    .map(({ entry }) => ({
      ticketUrl: entry.ticketUrl,
      decidedBySlackId: entry.decidedBySlackId,
      decidedAt: entry.createdAt,
      decisionId: entry.id,
    }));

  return {
    period: { start: period.start.toUTC(), end: period.end.toUTC() },
    total: inPeriod.length,
    byVerdict,
    unknownVerdicts,
    toLabel,
  };
}
