import {
  Alert,
  Flex,
  Heading,
  LineChart,
  List,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  StatusTag,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import {
  formatChange,
  formatDecimal,
  formatPercent,
  formatTimestamp,
  statusLabel,
  statusVariant,
} from './format';
import type { ExpansionSignalRow, MetricBreakdownRow, ScoredHealth } from './types';

/**
 * Below this coverage the card warns that the score rests on fewer signals than configured. With
 * the default config, one missing 20% metric (coverage 80) shows no note, but a missing 45% usage
 * metric does.
 */
export const LOW_COVERAGE_PERCENT = 75;

/** The trend chart needs two points to draw a line. */
const MIN_TREND_POINTS = 2;

export function ScoreView({ health, timeZone }: { health: ScoredHealth; timeZone?: string }) {
  return (
    <Flex direction="column" gap="md">
      <ScoreSummary health={health} />
      {health.coverage < LOW_COVERAGE_PERCENT && <CoverageNote health={health} />}
      <Drivers drivers={health.drivers} />
      <ExpansionSignals signals={health.expansionSignals} />
      <Breakdown rows={health.breakdown} />
      <Trend health={health} />
      <Text variant="microcopy" testId="computed">
        Workspace {health.workspace}, config version {health.configVersion}. Computed{' '}
        {formatTimestamp(health.computedAt, timeZone)}.
      </Text>
    </Flex>
  );
}

function ScoreSummary({ health }: { health: ScoredHealth }) {
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="sm" align="center">
        <StatusTag variant={statusVariant(health.status)} testId="status">
          {statusLabel(health.status)}
        </StatusTag>
        {health.recomputePending && (
          <Text variant="microcopy" testId="pending">
            A recompute is queued for this company.
          </Text>
        )}
      </Flex>
      <Statistics>
        <StatisticsItem label="Health score" number={`${health.score} / 100`} testId="score" />
        <ChangeItem label="7-day change" delta={health.change7d} testId="change-7d" />
        <ChangeItem label="30-day change" delta={health.change30d} testId="change-30d" />
        <StatisticsItem
          label="Coverage"
          number={formatPercent(health.coverage)}
          testId="coverage"
        />
      </Statistics>
    </Flex>
  );
}

function ChangeItem({
  label,
  delta,
  testId,
}: {
  label: string;
  delta: number | null;
  testId: string;
}) {
  if (delta === null) {
    return (
      <StatisticsItem label={label} number="-" testId={testId}>
        <Text variant="microcopy">Not enough history yet</Text>
      </StatisticsItem>
    );
  }
  const text = formatChange(delta);
  if (text === '0') return <StatisticsItem label={label} number="0" testId={testId} />;
  const increase = delta > 0;
  const size = formatDecimal(Math.abs(delta));
  return (
    <StatisticsItem label={label} number={text} testId={testId}>
      <StatisticsTrend
        direction={increase ? 'increase' : 'decrease'}
        color={increase ? 'green' : 'red'}
        value={`${size} ${size === '1' ? 'point' : 'points'}`}
      />
    </StatisticsItem>
  );
}

function CoverageNote({ health }: { health: ScoredHealth }) {
  const missing = health.breakdown.filter((row) => row.missing !== null);
  const names = missing.map((row) => `${row.label} (${row.missing})`).join(', ');
  return (
    <Alert title="Low data coverage" variant="warning" testId="coverage-note">
      Only {formatPercent(health.coverage)} of the score's weight had data, so the score rests on
      fewer signals than configured.{names === '' ? '' : ` No data for: ${names}.`}
    </Alert>
  );
}

function Drivers({ drivers }: { drivers: string[] }) {
  return (
    <Flex direction="column" gap="xs">
      <Heading>Drivers</Heading>
      {drivers.length === 0 ? (
        <Text testId="no-drivers">No single metric stands out.</Text>
      ) : (
        <List variant="unordered" testId="drivers">
          {drivers.map((driver, index) => (
            <Text key={`${index}-${driver}`}>{driver}</Text>
          ))}
        </List>
      )}
    </Flex>
  );
}

function ExpansionSignals({ signals }: { signals: ExpansionSignalRow[] }) {
  return (
    <Flex direction="column" gap="xs">
      <Heading>Expansion signals</Heading>
      {signals.length === 0 ? (
        <Text testId="no-expansion-signals">No expansion signal is on.</Text>
      ) : (
        <List variant="unordered" testId="expansion-signals">
          {signals.map((signal) => (
            <Text key={signal.kind}>{`${signal.label}: ${signal.reason}`}</Text>
          ))}
        </List>
      )}
    </Flex>
  );
}

function weightText(row: MetricBreakdownRow): string {
  const configured = formatPercent(row.weight);
  const applied = formatPercent(row.effectiveWeight);
  return configured === applied ? configured : `${configured} (${applied} applied)`;
}

function Breakdown({ rows }: { rows: MetricBreakdownRow[] }) {
  return (
    <Flex direction="column" gap="xs">
      <Heading>Breakdown</Heading>
      <Table bordered testId="breakdown">
        <TableHead>
          <TableRow>
            <TableHeader>Metric</TableHeader>
            <TableHeader>Value</TableHeader>
            <TableHeader>Normalised (0-100)</TableHeader>
            <TableHeader>Weight</TableHeader>
            <TableHeader>Points earned</TableHeader>
            <TableHeader>Points lost</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={row.metricId}>
              <TableCell>{row.label}</TableCell>
              <TableCell>{row.rawText}</TableCell>
              <TableCell>{row.normalised === null ? '-' : formatDecimal(row.normalised)}</TableCell>
              <TableCell>{weightText(row)}</TableCell>
              <TableCell>{formatDecimal(row.pointsEarned)}</TableCell>
              <TableCell>{formatDecimal(row.pointsLost)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Flex>
  );
}

function Trend({ health }: { health: ScoredHealth }) {
  if (health.history.length < MIN_TREND_POINTS) {
    return (
      <Flex direction="column" gap="xs">
        <Heading>Trend</Heading>
        <Text testId="no-trend">The trend appears once the company has been scored twice.</Text>
      </Flex>
    );
  }
  // Epoch milliseconds, because the chart's datetime axis sorts and spaces points by time.
  const data = health.history.map((point) => ({ time: Date.parse(point.at), score: point.score }));
  return (
    <Flex direction="column" gap="xs">
      <Heading>Trend</Heading>
      <LineChart
        testId="trend"
        data={data}
        axes={{
          x: { field: 'time', fieldType: 'datetime', label: 'Computed at' },
          y: { field: 'score', fieldType: 'linear', label: 'Health score' },
        }}
        options={{ showTooltips: true }}
      />
    </Flex>
  );
}
