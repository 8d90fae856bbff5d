import { COMMANDS } from '../surface';
import { mentionChannel } from '../mrkdwn';
import { actions, button, context, divider, header, section } from './blocks';
import { OPEN_EMERGENCY_LICENSE_ACTION } from './star-check-ids';

/** The App Home tab: what the bot does and how to start. */
export function buildAppHome(licensingChannel: string) {
  return {
    type: 'home' as const,
    blocks: [
      header('L&R on-call'),
      section(
        [
          `*${COMMANDS.starCheck} [ticket]*: walk the STAR validity flowchart for a starred plan/license ticket and get a verdict with the playbook's next steps.`,
          `*${COMMANDS.emergencyLicense} [ticket]*: weekend emergency: a 10-day Ultimate trial license for a Self-Managed customer whose grace period ended within the last 3 days.`,
          `*${COMMANDS.licenseStatus} <ticket or email>*: what happened to a license request, and a copy of the license.`,
        ].join('\n'),
      ),
      actions('home_actions', button('Weekend emergency license', OPEN_EMERGENCY_LICENSE_ACTION, '{}', 'primary')),
      divider(),
      context(`Every verdict and every license request is posted to ${mentionChannel(licensingChannel)} with its ticket.`),
    ],
  };
}
