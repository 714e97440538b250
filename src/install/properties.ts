import {
  EXPANSION_SIGNAL_KINDS,
  EXPANSION_SIGNAL_LABELS,
  type ExpansionSignalKind,
} from '../engine';
import type { PropertyDefinition, PropertyGroup, PropertyOption } from '../hubspot/types';

/**
 * The company properties CS Health writes. Their names are a contract with customers'
 * workflows, reports and lists: never rename one. Labels, descriptions and options may change;
 * provisioning applies such changes to portals that are already installed.
 */
export const PROPERTY_GROUP: PropertyGroup = {
  name: 'cs_health',
  label: 'CS Health',
  displayOrder: -1,
};

export const HEALTH_STATUSES = ['healthy', 'needs_attention', 'at_risk'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const EXPANSION_SIGNALS = EXPANSION_SIGNAL_KINDS;
export type ExpansionSignal = ExpansionSignalKind;

const STATUS_OPTIONS: PropertyOption[] = [
  { value: 'healthy', label: 'Healthy', displayOrder: 0, hidden: false },
  { value: 'needs_attention', label: 'Needs attention', displayOrder: 1, hidden: false },
  { value: 'at_risk', label: 'At risk', displayOrder: 2, hidden: false },
];

const SIGNAL_OPTIONS: PropertyOption[] = EXPANSION_SIGNAL_KINDS.map((value, displayOrder) => ({
  value,
  label: EXPANSION_SIGNAL_LABELS[value],
  displayOrder,
  hidden: false,
}));

function property(
  name: string,
  label: string,
  type: 'number' | 'string' | 'enumeration' | 'datetime',
  fieldType: 'number' | 'text' | 'textarea' | 'select' | 'checkbox' | 'date',
  description: string,
  options?: PropertyOption[],
): PropertyDefinition {
  const definition: PropertyDefinition = {
    name,
    label,
    type,
    fieldType,
    groupName: PROPERTY_GROUP.name,
    description,
  };
  if (options) definition.options = options;
  return definition;
}

export const CS_HEALTH_PROPERTIES: readonly PropertyDefinition[] = [
  property(
    'cs_health_score',
    'Health score',
    'number',
    'number',
    'Account health from 0 (worst) to 100 (best), computed by CS Health.',
  ),
  property(
    'cs_health_status',
    'Health status',
    'enumeration',
    'select',
    'Health band derived from the score.',
    STATUS_OPTIONS,
  ),
  property(
    'cs_health_previous_status',
    'Previous health status',
    'enumeration',
    'select',
    'Health status before the latest change.',
    STATUS_OPTIONS,
  ),
  property(
    'cs_health_status_changed_at',
    'Health status changed at',
    'datetime',
    'date',
    'When the health status last changed.',
  ),
  property(
    'cs_health_score_change_7d',
    'Health score change (7 days)',
    'number',
    'number',
    'Score now minus the score 7 days ago, in points.',
  ),
  property(
    'cs_health_score_change_30d',
    'Health score change (30 days)',
    'number',
    'number',
    'Score now minus the score 30 days ago, in points.',
  ),
  property(
    'cs_health_drivers',
    'Health drivers',
    'string',
    'textarea',
    'The main reasons behind the score, in plain words.',
  ),
  property(
    'cs_health_coverage',
    'Health data coverage',
    'number',
    'number',
    'Percent (0-100) of the score weight that had data for this company.',
  ),
  property(
    'cs_health_workspace',
    'Health workspace',
    'string',
    'text',
    'Name of the CS Health workspace whose configuration scored this company.',
  ),
  property(
    'cs_health_config_version',
    'Health config version',
    'string',
    'text',
    'Version of the score configuration used.',
  ),
  property(
    'cs_health_computed_at',
    'Health computed at',
    'datetime',
    'date',
    'When CS Health last computed the score.',
  ),
  property(
    'cs_expansion_signals',
    'Expansion signals',
    'enumeration',
    'checkbox',
    'Signals that the account may be ready to expand.',
    SIGNAL_OPTIONS,
  ),
  property(
    'cs_expansion_signal_at',
    'Expansion signal at',
    'datetime',
    'date',
    'When the latest expansion signal appeared.',
  ),
];
