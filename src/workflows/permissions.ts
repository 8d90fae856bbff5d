/**
 * What a service may ask about the person acting: the Slack user-group authorizer implements it,
 * tests give a table. Services check on every step, not only where a modal was opened: membership
 * can be removed while a modal is open, and a submission can be crafted without the command.
 */
export type Capability = 'star_check' | 'request_license' | 'override_scope' | 'see_requests';

/**
 * `see_requests` (SPEC "Who sees what"): customer data (emails, tickets, user counts, who asked)
 * is shown only to members of the requester, override or STAR groups, or to everyone with
 * AUTHORIZATION_MODE=open. It is read afresh on every check (no cached membership), because it
 * guards every App Home publish: someone removed from a group stops seeing requests at the next one.
 */

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
