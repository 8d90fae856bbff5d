import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

/** What Bolt hands a listener of each kind (the handlers' argument types). */
export type CommandArgs = AllMiddlewareArgs & SlackCommandMiddlewareArgs;
export type ShortcutArgs = AllMiddlewareArgs & SlackShortcutMiddlewareArgs;
export type SubmissionArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs;
export type BlockActionArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>;
export type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;
export type EventArgs<Type extends string = string> = AllMiddlewareArgs & SlackEventMiddlewareArgs<Type>;
