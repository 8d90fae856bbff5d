/**
 * Everything the bot exposes to Slack, in one place: listeners register exactly these, and the
 * manifest test checks that `manifest.yml` declares exactly these.
 */
export const COMMANDS = {
  starCheck: '/star-check',
  emergencyLicense: '/emergency-license',
  licenseStatus: '/license-status',
} as const;

export const SHORTCUTS = {
  emergencyLicense: 'emergency_license_shortcut',
} as const;

export const BOT_EVENTS = ['app_home_opened'] as const;

/** Bot token scopes and the Web API methods that need them. */
export const BOT_SCOPES = {
  commands: 'slash commands and the global shortcut',
  'chat:write': 'audit messages, notices, ephemeral answers (chat.postMessage, chat.update, chat.postEphemeral)',
  'chat:write.public': 'posting to the licensing channel without being invited first',
  'users:read': "users.info for the user's time zone",
  'usergroups:read': 'usergroups.users.list for authorization',
  'files:write': 'uploading the generated .gitlab-license file to the engineer',
  'im:write': 'conversations.open to DM the engineer the license file',
} as const;
