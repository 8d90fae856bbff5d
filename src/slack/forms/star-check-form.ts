import { type ChartAnswers, QUESTIONS, type QuestionId } from '../../policy/star-flowchart';
import { type Deployment, findRequestType, isDeployment, type RequestTypeId } from '../../policy/playbook';
import { parseCalendarDate } from '../../policy/time';
import { STAR_ACTIONS, STAR_BLOCKS } from '../views/star-check-ids';
import { dateValue, readMetadata, selectedValue, textValue, type ViewStateValues } from './view-state';

/** Everything the /star-check modal knows so far: what it shows and what the chart reads. */
export interface StarCheckState {
  ticket?: string;
  deployment?: Deployment;
  requestType?: RequestTypeId;
  /** yyyy-mm-dd */
  expirationDate?: string;
  answers: ChartAnswers;
  /** Channel the command was run in, for ephemeral answers. */
  channelId?: string;
}

export interface StarCheckMetadata {
  channelId?: string;
}

export function readStarCheckState(view: {
  state?: { values?: ViewStateValues };
  private_metadata?: string;
}): StarCheckState {
  const values = view.state?.values;
  const metadata = readMetadata<StarCheckMetadata>(view.private_metadata, {});
  const answers: ChartAnswers = {};
  for (const id of Object.keys(QUESTIONS) as QuestionId[]) {
    const value = selectedValue(values, STAR_BLOCKS.question(id), STAR_ACTIONS.question(id));
    if (value && QUESTIONS[id].options.some((o) => o.value === value)) answers[id] = value;
  }
  const deployment = selectedValue(values, STAR_BLOCKS.deployment, STAR_ACTIONS.deployment);
  const requestType = findRequestType(selectedValue(values, STAR_BLOCKS.requestType, STAR_ACTIONS.requestType));
  const date = dateValue(values, STAR_BLOCKS.expirationDate, STAR_ACTIONS.expirationDate);
  return {
    ticket: textValue(values, STAR_BLOCKS.ticket, STAR_ACTIONS.ticket)?.trim(),
    deployment: isDeployment(deployment) ? deployment : undefined,
    requestType: requestType?.id,
    expirationDate: date && parseCalendarDate(date) ? date : undefined,
    answers,
    channelId: typeof metadata.channelId === 'string' ? metadata.channelId : undefined,
  };
}
