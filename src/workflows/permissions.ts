/**
 * What a service may ask about the person acting: the Slack user-group authorizer implements it,
 * tests give a table. Services check on every step, not only where a modal was opened: membership
 * can be removed while a modal is open, and a submission can be crafted without the command.
 */
export type Capability = 'star_check' | 'request_license' | 'override_scope';

export type PermissionDecision = { allowed: true } | { allowed: false; reason: string };

export interface Permissions {
  check(slackUserId: string, capability: Capability): Promise<PermissionDecision>;
}

/** The first capability refused, or undefined when every one is allowed (checked in order). */
export async function firstRefusal(
  permissions: Permissions,
  slackUserId: string,
  capabilities: readonly Capability[],
): Promise<string | undefined> {
  for (const capability of capabilities) {
    const decision = await permissions.check(slackUserId, capability);
    if (!decision.allowed) return decision.reason;
  }
  return undefined;
}
