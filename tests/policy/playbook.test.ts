import {
  type Deployment,
  DEPLOYMENT_LABELS,
  findRequestType,
  isDeployment,
  REQUEST_TYPES,
  requestTypesFor,
} from '../../src/policy/playbook';

const DEPLOYMENTS: Deployment[] = ['self_managed', 'saas'];
/** Block Kit limits the text of an option (plain_text) to 75 characters. */
const BLOCK_KIT_OPTION_TEXT_MAX = 75;

describe('request types', () => {
  test.each(REQUEST_TYPES.map((type) => [type.id, type] as const))('%s is well formed', (_id, type) => {
    expect(DEPLOYMENTS).toContain(type.deployment);
    expect(type.label.trim().length).toBeGreaterThan(0);
    expect(type.label).toBe(type.label.trim());
    expect(type.label.length).toBeLessThanOrEqual(BLOCK_KIT_OPTION_TEXT_MAX);
    expect([...type.label].length).toBeLessThanOrEqual(BLOCK_KIT_OPTION_TEXT_MAX);
    expect(type.nextSteps.length + (type.trialLicenseSteps?.length ?? 0)).toBeGreaterThanOrEqual(1);
    for (const step of [...type.nextSteps, ...(type.trialLicenseSteps ?? [])]) {
      expect(typeof step).toBe('string');
      expect(step.trim().length).toBeGreaterThan(0);
    }
    for (const warning of type.warnings) expect(warning.trim().length).toBeGreaterThan(0);
    expect(typeof type.offersTrialLicense).toBe('boolean');
    expect(type.offersTrialLicense).toBe(type.trialLicenseSteps !== undefined);
  });

  test.each(REQUEST_TYPES.map((type) => [type.id, type] as const))(
    '%s: the id prefix matches the deployment (sm_ = Self-Managed, saas_ = SaaS)',
    (id, type) => {
      expect(type.deployment).toBe(id.startsWith('saas_') ? 'saas' : 'self_managed');
      expect(id.startsWith('sm_') || id.startsWith('saas_')).toBe(true);
    },
  );

  test.each(REQUEST_TYPES.map((type) => [type.id, type] as const))(
    '%s: a trial-license offer only for Self-Managed; SaaS never offers it',
    (_id, type) => {
      if (type.offersTrialLicense) expect(type.deployment).toBe('self_managed');
      if (type.deployment === 'saas') expect(type.offersTrialLicense).toBe(false);
    },
  );

  // Seed 000: the note heads the whole Self-Managed section, so every Self-Managed type carries it,
  // "license not received" and "something else" included.
  test.each(requestTypesFor('self_managed').map((type) => [type.id, type] as const))(
    '%s (Self-Managed) warns that managers never create brand-new (non-trial) licenses',
    (_id, type) => {
      expect(type.warnings.join('\n')).toMatch(/managers never create brand-new \(non-trial\) licenses/i);
    },
  );

  test.each(REQUEST_TYPES.map((type) => [type.id, type] as const))(
    '%s: only the trial-license steps mention creating a license',
    (_id, type) => {
      for (const step of type.nextSteps)
        expect(step).not.toMatch(/(create|generat)\w* (a |the )?trial license|emergency license form/i);
    },
  );

  test('ids are unique', () => {
    const ids = REQUEST_TYPES.map((type) => type.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test.each(DEPLOYMENTS)('labels are unique within %s (they are options of one select)', (deployment) => {
    const labels = requestTypesFor(deployment).map((type) => type.label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  test('the expected request types exist, each in its deployment', () => {
    expect(requestTypesFor('self_managed').map((type) => type.id)).toEqual([
      'sm_trial_license',
      'sm_license_not_working',
      'sm_license_not_received',
      'sm_other',
    ]);
    expect(requestTypesFor('saas').map((type) => type.id)).toEqual([
      'saas_trial_extension',
      'saas_paid_on_free',
      'saas_other',
    ]);
  });

  test.each([
    ['sm_trial_license', true],
    ['sm_license_not_working', true],
    ['sm_license_not_received', false],
    ['sm_other', false],
    ['saas_trial_extension', false],
    ['saas_paid_on_free', false],
    ['saas_other', false],
  ])('%s offersTrialLicense = %s', (id, offers) => {
    expect(findRequestType(id)?.offersTrialLicense).toBe(offers);
  });

  test('Self-Managed offers the emergency trial license for at least one request type', () => {
    expect(requestTypesFor('self_managed').some((type) => type.offersTrialLicense)).toBe(true);
  });

  test.each(['saas_trial_extension', 'saas_paid_on_free'])('%s points to the Mechanizer, not to a license', (id) => {
    const type = findRequestType(id)!;
    expect(type.nextSteps.join(' ')).toMatch(/Mechanizer/);
  });
});

describe('requestTypesFor', () => {
  test.each(DEPLOYMENTS)('%s returns only its own types, at least one', (deployment) => {
    const types = requestTypesFor(deployment);
    expect(types.length).toBeGreaterThanOrEqual(1);
    for (const type of types) expect(type.deployment).toBe(deployment);
  });

  test('the deployments partition the request types (each type belongs to exactly one)', () => {
    const all = DEPLOYMENTS.flatMap((deployment) => requestTypesFor(deployment));
    expect(all).toHaveLength(REQUEST_TYPES.length);
    expect(new Set(all)).toEqual(new Set(REQUEST_TYPES));
  });
});

describe('findRequestType', () => {
  test.each(REQUEST_TYPES.map((type) => [type.id, type] as const))('finds %s', (id, type) => {
    expect(findRequestType(id)).toBe(type);
  });

  test.each([
    undefined,
    '',
    'SM_TRIAL_LICENSE',
    'sm_trial_license ',
    'unknown',
    'toString',
    '__proto__',
    'constructor',
  ])('returns undefined for %p', (id) => {
    expect(findRequestType(id)).toBeUndefined();
  });
});

describe('deployments', () => {
  test.each([
    ['self_managed', 'Self-Managed'],
    ['saas', 'SaaS (GitLab.com)'],
  ] as const)('%s is labelled %s', (deployment, label) => {
    expect(isDeployment(deployment)).toBe(true);
    expect(DEPLOYMENT_LABELS[deployment]).toBe(label);
    expect(DEPLOYMENT_LABELS[deployment].length).toBeLessThanOrEqual(BLOCK_KIT_OPTION_TEXT_MAX);
  });

  test('DEPLOYMENT_LABELS has exactly the two deployments', () => {
    expect(Object.keys(DEPLOYMENT_LABELS).sort()).toEqual([...DEPLOYMENTS].sort());
  });

  test.each([
    undefined,
    '',
    'SaaS',
    'SAAS',
    'self-managed',
    'Self-Managed',
    'selfmanaged',
    'dedicated',
    'toString',
    ' saas',
  ])('isDeployment(%p) is false', (value) => {
    expect(isDeployment(value)).toBe(false);
  });
});
