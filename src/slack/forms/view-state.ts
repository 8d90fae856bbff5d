/**
 * Reading a modal's `state.values` the way Slack sends it. Each input block holds one element
 * keyed by its action ID; these helpers return the plain value of that element or undefined.
 */
import { stripInvisible } from '../mrkdwn';

export type ViewStateValues = Record<string, Record<string, ViewStateElement | undefined> | undefined>;

export interface ViewStateElement {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: { value?: string }[] | null;
  selected_date?: string | null;
  selected_conversation?: string | null;
}

function element(values: ViewStateValues | undefined, blockId: string, actionId: string): ViewStateElement | undefined {
  return values?.[blockId]?.[actionId];
}

export function textValue(values: ViewStateValues | undefined, blockId: string, actionId: string): string | undefined {
  const raw = element(values, blockId, actionId)?.value;
  // Typed text is user text: bidi controls and zero-width characters go before anything reads it.
  const value = typeof raw === 'string' ? stripInvisible(raw) : undefined;
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

export function selectedValue(
  values: ViewStateValues | undefined,
  blockId: string,
  actionId: string,
): string | undefined {
  const value = element(values, blockId, actionId)?.selected_option?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function selectedValues(values: ViewStateValues | undefined, blockId: string, actionId: string): string[] {
  const options = element(values, blockId, actionId)?.selected_options;
  return Array.isArray(options) ? options.map((o) => o?.value).filter((v): v is string => typeof v === 'string') : [];
}

export function dateValue(values: ViewStateValues | undefined, blockId: string, actionId: string): string | undefined {
  const value = element(values, blockId, actionId)?.selected_date;
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined;
}

/** JSON private_metadata that tolerates an empty or foreign string. */
export function readMetadata<T extends object>(raw: string | undefined, fallback: T): T {
  if (!raw) return fallback;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? { ...fallback, ...(parsed as Partial<T>) } : fallback;
  } catch {
    return fallback;
  }
}
