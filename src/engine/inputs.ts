import type { MetricSource, ScoreConfig } from './config-schema';
import { FEEDBACK_PROPERTIES } from './sources';

/** The HubSpot data the worker must read to score companies with a config. */
export interface RequiredInputs {
  companyProperties: string[];
  /** Company properties to read with `propertiesWithHistory`. */
  historyProperties: string[];
  tickets: false | { properties: string[] };
  feedback: false | { properties: string[]; surveyTypes?: string[] };
}

/**
 * Ticket properties the ticket sources read. `hs_pipeline` and `hs_pipeline_stage` let the
 * reader look up the stage's `isClosed` flag for `stageClosed`.
 */
export const TICKET_PROPERTIES = [
  'closed_date',
  'createdate',
  'hs_pipeline',
  'hs_pipeline_stage',
  'hs_ticket_priority',
];

/**
 * Lists the inputs a config needs, so the worker reads nothing else. With `backtest`, every
 * company property is also read with history, because scoring at a past `asOf` takes each
 * value as it was then.
 */
export function requiredInputs(
  config: ScoreConfig,
  options: { backtest?: boolean } = {},
): RequiredInputs {
  const companyProperties = new Set<string>();
  const historyProperties = new Set<string>();
  const surveyTypes = new Set<string>();
  let needsTickets = false;

  for (const { source } of config.metrics) {
    for (const property of companyPropertiesOf(source)) companyProperties.add(property);
    for (const property of historyPropertiesOf(source)) historyProperties.add(property);
    if (source.type === 'open_tickets' || source.type === 'tickets_opened') needsTickets = true;
    if (source.type === 'feedback') surveyTypes.add(source.surveyType);
  }
  addExpansionInputs(config, companyProperties, historyProperties);
  if (options.backtest) {
    for (const property of companyProperties) historyProperties.add(property);
  }

  return {
    companyProperties: [...companyProperties].sort(),
    historyProperties: [...historyProperties].sort(),
    tickets: needsTickets ? { properties: [...TICKET_PROPERTIES] } : false,
    feedback:
      surveyTypes.size === 0
        ? false
        : { properties: [...FEEDBACK_PROPERTIES], surveyTypes: [...surveyTypes].sort() },
  };
}

/** Adds what the enabled expansion signals read; only team growth needs history. */
function addExpansionInputs(
  config: ScoreConfig,
  companyProperties: Set<string>,
  historyProperties: Set<string>,
): void {
  const { seatLimit, premiumFeatures, renewalHighHealth, teamGrowth } = config.expansion;
  if (seatLimit.enabled) {
    companyProperties.add(seatLimit.seatsUsedProperty);
    companyProperties.add(seatLimit.licensedSeatsProperty);
  }
  if (premiumFeatures.enabled) companyProperties.add(premiumFeatures.property);
  if (renewalHighHealth.enabled) companyProperties.add(renewalHighHealth.property);
  if (teamGrowth.enabled) {
    companyProperties.add(teamGrowth.property);
    historyProperties.add(teamGrowth.property);
  }
}

function companyPropertiesOf(source: MetricSource): string[] {
  switch (source.type) {
    case 'number_property':
    case 'date_property':
    case 'enumeration_property':
    case 'bool_property':
    case 'feedback_property':
    case 'last_contact':
    case 'change':
      return [source.property];
    case 'ratio':
      return [source.numerator, source.denominator];
    case 'open_tickets':
    case 'tickets_opened':
    case 'feedback':
      return [];
  }
}

function historyPropertiesOf(source: MetricSource): string[] {
  if (source.type === 'change') return [source.property];
  if (source.type === 'feedback_property') {
    // The latest response without a window is the current value. Anything else needs the dates.
    const needsDates = source.aggregate === 'mean' || source.windowDays !== undefined;
    return needsDates ? [source.property] : [];
  }
  return [];
}
