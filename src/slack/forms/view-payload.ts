import { z } from 'zod';
import type { ViewStateValues } from './view-state';

/**
 * The part of a submitted view the bot reads, validated before anything else looks at it. Slack
 * enforces max_length in its client, but a payload can be crafted: anything oversize or of the
 * wrong shape is refused as a whole instead of being half-read.
 */
const MAX_TEXT = 3000;
const id = z.string().min(1).max(255);

const option = z.object({ value: z.string().max(150) }).passthrough();

const element = z
  .object({
    type: z.string().max(64).optional(),
    value: z.string().max(MAX_TEXT).nullable().optional(),
    selected_option: option.nullable().optional(),
    selected_options: z.array(option).max(100).nullable().optional(),
    selected_date: z.string().max(10).nullable().optional(),
  })
  .passthrough();

export const submittedViewSchema = z
  .object({
    id,
    hash: z.string().max(255).optional(),
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3000).optional(),
    state: z.object({ values: z.record(id, z.record(id, element)) }),
    blocks: z
      .array(z.object({ block_id: z.string().max(255).optional(), type: z.string().max(64) }).passthrough())
      .max(100)
      .optional(),
  })
  .passthrough();

export interface SubmittedView {
  id: string;
  hash?: string;
  callback_id: string;
  private_metadata?: string;
  state: { values: ViewStateValues };
  blocks: { block_id?: string; type: string }[];
}

export function parseSubmittedView(view: unknown): SubmittedView | undefined {
  const parsed = submittedViewSchema.safeParse(view);
  if (!parsed.success) return undefined;
  return { ...parsed.data, blocks: parsed.data.blocks ?? [] };
}

export const MALFORMED_FORM_MESSAGE =
  'This form could not be read (it arrived malformed or oversized), so nothing was done. Close it and start again.';
