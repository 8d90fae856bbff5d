/**
 * The parts of GitLab's REST answers the adapter relies on, checked with zod at the trust boundary
 * instead of cast. Lenient where GitLab's shape varies (labels as names or objects, missing note
 * fields), strict where a wrong value would mislead (an issue without a usable web URL).
 */
import { z } from 'zod';

/** `{ iid, webUrl }` from a reference returned by `request()` (the issue's web URL). */
export function parseIssueReference(reference: string): { iid: number; webUrl: string } | undefined {
  if (typeof reference !== 'string') return undefined;
  const webUrl = reference.trim();
  const m = /^https?:\/\/\S+\/(?:issues|work_items)\/(\d+)\/?(?:[?#]\S*)?$/.exec(webUrl);
  if (!m) return undefined;
  const iid = Number(m[1]);
  return Number.isSafeInteger(iid) && iid > 0 ? { iid, webUrl } : undefined;
}

/** Label names, whether GitLab lists labels as names or (with_labels_details) as objects. */
const labelNames = z
  .array(z.unknown())
  .nullish()
  .catch(undefined)
  .transform((labels) =>
    (labels ?? []).flatMap((label) => {
      const name = typeof label === 'object' && label !== null ? (label as { name?: unknown }).name : label;
      return typeof name === 'string' ? [name] : [];
    }),
  );

export const issueSchema = z.object({
  iid: z.number(),
  title: z.string(),
  description: z.string().nullish().catch(undefined),
  state: z.string(),
  labels: labelNames,
  web_url: z.string().refine((url) => parseIssueReference(url) !== undefined, 'not an issue URL'),
  closed_at: z.string().nullish().catch(undefined),
});
export type GitLabIssue = z.infer<typeof issueSchema>;

export const noteSchema = z.object({
  id: z.number().optional().catch(undefined),
  body: z.string().nullish().catch(undefined),
  system: z.boolean().optional().catch(undefined),
  created_at: z.string().nullish().catch(undefined),
});
export type GitLabNote = z.infer<typeof noteSchema>;

/** A list whose usable items are kept: one odd item must not hide the others. */
const usableItems = <T extends z.ZodType>(item: T) =>
  z.array(z.unknown()).transform((items) =>
    items.flatMap((value) => {
      const parsed = item.safeParse(value);
      return parsed.success ? [parsed.data] : [];
    }),
  );

export const issueListSchema = usableItems(issueSchema);
export const noteListSchema = usableItems(noteSchema);

/** The text of a GitLab error answer (`message`, `error_description` or `error`), if it has one. */
export const errorBodySchema = z.looseObject({
  message: z.unknown().optional(),
  error_description: z.unknown().optional(),
  error: z.unknown().optional(),
});
