import type { MetricSource } from '../config-schema';
import {
  measureBoolProperty,
  measureChange,
  measureDateProperty,
  measureEnumerationProperty,
  measureLastContact,
  measureNumberProperty,
  measureRatio,
} from './company-sources';
import { measureFeedback, measureFeedbackProperty } from './feedback-sources';
import type { MeasureContext, Measurement } from './measurement';
import { measureOpenTickets, measureTicketsOpened } from './ticket-sources';

export { FEEDBACK_PROPERTIES } from './feedback-sources';
export type { MeasureContext, Measurement, MeasurementFacts } from './measurement';

/** Measures one metric's raw value for the snapshot at `asOf`. */
export function measureSource(source: MetricSource, context: MeasureContext): Measurement {
  switch (source.type) {
    case 'number_property':
      return measureNumberProperty(source, context);
    case 'date_property':
      return measureDateProperty(source, context);
    case 'enumeration_property':
      return measureEnumerationProperty(source, context);
    case 'bool_property':
      return measureBoolProperty(source, context);
    case 'open_tickets':
      return measureOpenTickets(source, context);
    case 'tickets_opened':
      return measureTicketsOpened(source, context);
    case 'feedback':
      return measureFeedback(source, context);
    case 'feedback_property':
      return measureFeedbackProperty(source, context);
    case 'last_contact':
      return measureLastContact(source, context);
    case 'ratio':
      return measureRatio(source, context);
    case 'change':
      return measureChange(source, context);
  }
}
