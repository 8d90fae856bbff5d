/**
 * The request-type playbook (handbook "How to move urgent L&R starred tickets forward"):
 * what to do next for each kind of request, per deployment.
 */

export type Deployment = 'self_managed' | 'saas';

export const DEPLOYMENT_LABELS: Record<Deployment, string> = {
  self_managed: 'Self-Managed',
  saas: 'SaaS (GitLab.com)',
};

export type RequestTypeId =
  | 'sm_trial_license'
  | 'sm_license_not_working'
  | 'sm_license_not_received'
  | 'sm_other'
  | 'saas_trial_extension'
  | 'saas_paid_on_free'
  | 'saas_other';

export interface RequestType {
  id: RequestTypeId;
  deployment: Deployment;
  /** Option text (Block Kit allows 75 characters). */
  label: string;
  /** Always shown with the verdict: none of them creates a license. */
  nextSteps: string[];
  /**
   * The steps that create a trial license. Shown only when the same facts are inside the weekend
   * emergency scope (then the emergency license form is offered); see `verdictGuidance`.
   */
  trialLicenseSteps?: string[];
  warnings: string[];
  /** The next step is (or, in an emergency, may be) a trial license: check the emergency scope. */
  offersTrialLicense: boolean;
}

/** The seed puts this at the head of the whole Self-Managed section: every Self-Managed verdict carries it. */
export const NEVER_NON_TRIAL =
  'Support Managers never create brand-new (non-trial) licenses in response to a STAR: any non-trial license is ' +
  'handled by the L&R team.';
const MECHANIZER_NEEDS_TRIAL =
  'The Mechanizer fails if the namespace never had a trial; a subscription can be used to create a trial first, ' +
  'then extend it.';

export const REQUEST_TYPES: RequestType[] = [
  {
    id: 'sm_trial_license',
    deployment: 'self_managed',
    label: 'License or grace period extension, temporary license/key, trial license',
    nextSteps: [],
    trialLicenseSteps: [
      'This needs a trial license generation: use the emergency license form (10-day Ultimate trial).',
    ],
    warnings: [NEVER_NON_TRIAL],
    offersTrialLicense: true,
  },
  {
    id: 'sm_license_not_working',
    deployment: 'self_managed',
    label: 'License/activation code not working, upload error, renewal/payment delay',
    nextSteps: [
      'Always try to get the L&R team to assist first.',
      'If the team is not available, check whether the non-trial license is within the grace period, or the ' +
        'trial license is close to its expiry: with 24h+ remaining there is no need to escalate.',
      'Use your judgement to mitigate or prevent emergencies.',
      'If the customer gets errors when activating a license, ask them to submit a ticket if they have not done ' +
        'so already.',
    ],
    trialLicenseSteps: [
      'In an emergency: the L&R team needs a screenshot of Admin -> Dashboard. Check the ticket for it or ask ' +
        'the customer, *before* creating a trial license; then create the trial license with the emergency ' +
        'license form.',
    ],
    warnings: [NEVER_NON_TRIAL],
    offersTrialLicense: true,
  },
  {
    id: 'sm_license_not_received',
    deployment: 'self_managed',
    label: 'License not received, sent to someone who left, contact or email change',
    nextSteps: ['See "Sending licenses to a different email address" in the handbook.'],
    warnings: [
      NEVER_NON_TRIAL,
      'We do not send licenses to a different email address, with the exception of trial licenses.',
    ],
    offersTrialLicense: false,
  },
  {
    id: 'sm_other',
    deployment: 'self_managed',
    label: 'Something else',
    nextSteps: [
      'No playbook entry for this request: use your judgement and involve the L&R team in ' +
        '#support_licensing-subscription.',
    ],
    warnings: [NEVER_NON_TRIAL],
    offersTrialLicense: false,
  },
  {
    id: 'saas_trial_extension',
    deployment: 'saas',
    label: 'Trial extension or grace period extension',
    nextSteps: [
      'Use the "Manage GitLab Plan and Trials" option of the Zendesk Mechanizer App: it extends an active or ' +
        'expired trial of the namespace.',
      `It cannot start a new trial. ${MECHANIZER_NEEDS_TRIAL}`,
    ],
    warnings: [],
    offersTrialLicense: false,
  },
  {
    id: 'saas_paid_on_free',
    deployment: 'saas',
    label: 'Paid group unexpectedly on the Free plan',
    nextSteps: [
      'Always try to get the L&R team to assist first.',
      'The customer can first try to associate their (new) subscription with their namespace.',
      `In an emergency, use "Manage GitLab Plan and Trials" in the Zendesk Mechanizer App to temporarily put ` +
        `the namespace on a trial at the desired plan level. ${MECHANIZER_NEEDS_TRIAL}`,
    ],
    warnings: [],
    offersTrialLicense: false,
  },
  {
    id: 'saas_other',
    deployment: 'saas',
    label: 'Something else',
    nextSteps: [
      'No playbook entry for this request: use your judgement and involve the L&R team in ' +
        '#support_licensing-subscription.',
    ],
    warnings: [],
    offersTrialLicense: false,
  },
];

export function requestTypesFor(deployment: Deployment): RequestType[] {
  return REQUEST_TYPES.filter((type) => type.deployment === deployment);
}

export function findRequestType(id: string | undefined): RequestType | undefined {
  return REQUEST_TYPES.find((type) => type.id === id);
}

export function isDeployment(value: string | undefined): value is Deployment {
  return value === 'self_managed' || value === 'saas';
}
