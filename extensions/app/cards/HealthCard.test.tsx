import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  LineChart,
  List,
  LoadingSpinner,
  StatisticsItem,
  StatisticsTrend,
  StatusTag,
  TableBody,
  TableCell,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CardApiError, fetchHealth, requestRecompute } from './api';
import { HealthCard } from './HealthCard';
import type { HealthResponse, ScoredHealth } from './types';

// The test renderer does not mock hubspot.fetch, and ./api is the card's only network path.
// These component tests therefore replace that module; src/cards/card-api.test.ts tests it
// against the backend.
jest.mock('./api', () => ({
  ...jest.requireActual('./api'),
  fetchHealth: jest.fn(),
  requestRecompute: jest.fn(),
}));

const mockedFetchHealth = jest.mocked(fetchHealth);
const mockedRequestRecompute = jest.mocked(requestRecompute);

const PORTAL_ID = 1234567;
const COMPANY_ID = 42;

function scoredHealth(overrides: Partial<ScoredHealth> = {}): ScoredHealth {
  return {
    state: 'scored',
    portalId: PORTAL_ID,
    companyId: String(COMPANY_ID),
    score: 72,
    status: 'healthy',
    change7d: 5,
    change30d: null,
    coverage: 100,
    breakdown: [
      {
        metricId: 'usage_per_seat',
        label: 'Usage per seat',
        rawText: '3.2 usage events per seat',
        normalised: 64,
        weight: 45,
        effectiveWeight: 45,
        pointsEarned: 28.8,
        pointsLost: 16.2,
        missing: null,
      },
      {
        metricId: 'open_tickets',
        label: 'Open tickets',
        rawText: '1 open ticket',
        normalised: 80,
        weight: 20,
        effectiveWeight: 20,
        pointsEarned: 16,
        pointsLost: 4,
        missing: null,
      },
    ],
    drivers: ['Usage 3.2 events per seat this week', '1 open ticket'],
    expansionSignals: [
      {
        kind: 'seat_limit',
        label: 'Near seat limit',
        reason: 'Uses 46 of 50 licensed seats (92%)',
      },
      {
        kind: 'renewal_high_health',
        label: 'Renewal with high health',
        reason: 'Renews on 2027-01-15 (in 42 days) with a Healthy score of 72',
      },
    ],
    history: [
      { at: '2026-11-27T10:00:00.000Z', score: 67 },
      { at: '2026-12-04T10:00:00.000Z', score: 72 },
    ],
    workspace: 'default',
    configVersion: 3,
    computedAt: '2026-12-04T10:00:00.000Z',
    recomputePending: false,
    ...overrides,
  };
}

function setup() {
  const renderer = createRenderer('crm.record.tab');
  const { mocks } = renderer;
  const context = {
    ...mocks.context,
    portal: { id: PORTAL_ID, timezone: 'America/New_York' },
    crm: { objectId: COMPANY_ID, objectTypeId: '0-2' },
  };
  const refreshObjectProperties = jest.fn();
  const renderCard = (options: { pollIntervalMs?: number; maxPolls?: number } = {}) =>
    renderer.render(
      <HealthCard
        context={context}
        actions={{ refreshObjectProperties }}
        pollIntervalMs={options.pollIntervalMs ?? 5}
        maxPolls={options.maxPolls ?? 5}
      />,
    );
  // A generous deadline in place of the renderer's 1 s default, for a loaded CI machine.
  const waitFor = (check: () => void) => renderer.waitFor(check, { timeoutInMs: 5_000 });
  return { ...renderer, waitFor, renderCard, refreshObjectProperties };
}

/**
 * Retries `check` until it passes or the deadline ends. The renderer's own `waitFor` re-checks
 * only after a render, so it cannot wait for a mock call that changes nothing on screen.
 */
async function pollUntil(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

async function renderLoaded(health: HealthResponse) {
  mockedFetchHealth.mockResolvedValueOnce(health);
  const card = setup();
  card.renderCard();
  await card.waitFor(() => expect(card.maybeFind(LoadingSpinner)).toBeNull());
  return card;
}

beforeEach(() => {
  mockedFetchHealth.mockReset();
  mockedRequestRecompute.mockReset();
});

describe('HealthCard loading and errors', () => {
  test('shows a spinner while loading', async () => {
    mockedFetchHealth.mockReturnValue(new Promise(() => {}));
    const card = setup();
    card.renderCard();
    expect(card.find(LoadingSpinner).props.label).toBe('Loading the health score');
    await pollUntil(() =>
      expect(mockedFetchHealth).toHaveBeenCalledWith(PORTAL_ID, String(COMPANY_ID)),
    );
    expect(card.find(LoadingSpinner).props.label).toBe('Loading the health score');
  });

  test('shows the error with a retry that reloads', async () => {
    mockedFetchHealth
      .mockRejectedValueOnce(new CardApiError('CS Health answered with HTTP 503.', 503))
      .mockResolvedValueOnce(scoredHealth());
    const card = setup();
    card.renderCard();
    await card.waitFor(() => expect(card.maybeFind(ErrorState)).not.toBeNull());
    expect(card.find(ErrorState).props.title).toBe('Could not load the health score');
    expect(card.findByTestId(Text, 'error-message').text).toBe('CS Health answered with HTTP 503.');

    card.findByTestId(Button, 'retry').trigger('onClick');
    await card.waitFor(() => expect(card.maybeFind(StatusTag)).not.toBeNull());
    expect(mockedFetchHealth).toHaveBeenCalledTimes(2);
    expect(card.maybeFind(ErrorState)).toBeNull();
  });
});

describe('HealthCard scored state', () => {
  test('shows the score, status and changes', async () => {
    const card = await renderLoaded(scoredHealth());
    const tag = card.findByTestId(StatusTag, 'status');
    expect(tag.text).toBe('Healthy');
    expect(tag.props.variant).toBe('success');
    expect(card.findByTestId(StatisticsItem, 'score').props.number).toBe('72 / 100');

    const week = card.findByTestId(StatisticsItem, 'change-7d');
    expect(week.props.label).toBe('7-day change');
    expect(week.props.number).toBe('+5');
    expect(week.find(StatisticsTrend).props).toMatchObject({
      direction: 'increase',
      color: 'green',
      value: '5 points',
    });

    const month = card.findByTestId(StatisticsItem, 'change-30d');
    expect(month.props.number).toBe('-');
    expect(month.maybeFind(StatisticsTrend)).toBeNull();
    expect(month.find(Text).text).toBe('Not enough history yet');

    expect(card.findByTestId(StatisticsItem, 'coverage').props.number).toBe('100%');
    expect(card.maybeFindByTestId(Alert, 'coverage-note')).toBeNull();
    expect(card.maybeFindByTestId(Text, 'pending')).toBeNull();
  });

  test('shows a drop as a red decrease and no change as 0', async () => {
    const card = await renderLoaded(scoredHealth({ change7d: -1, change30d: 0 }));
    const week = card.findByTestId(StatisticsItem, 'change-7d');
    expect(week.props.number).toBe('-1');
    expect(week.find(StatisticsTrend).props).toMatchObject({
      direction: 'decrease',
      color: 'red',
      value: '1 point',
    });
    const month = card.findByTestId(StatisticsItem, 'change-30d');
    expect(month.props.number).toBe('0');
    expect(month.maybeFind(StatisticsTrend)).toBeNull();
  });

  test.each([
    ['needs_attention', 'Needs attention', 'warning'],
    ['at_risk', 'At risk', 'danger'],
  ] as const)('maps status %s to its tag', async (status, label, variant) => {
    const card = await renderLoaded(scoredHealth({ status, score: 35 }));
    const tag = card.findByTestId(StatusTag, 'status');
    expect(tag.text).toBe(label);
    expect(tag.props.variant).toBe(variant);
  });

  test('lists the drivers in order', async () => {
    const card = await renderLoaded(scoredHealth());
    const items = card.findByTestId(List, 'drivers').findAll(Text);
    expect(items.map((item) => item.text)).toEqual([
      'Usage 3.2 events per seat this week',
      '1 open ticket',
    ]);
  });

  test('says so when there are no drivers', async () => {
    const card = await renderLoaded(scoredHealth({ drivers: [] }));
    expect(card.maybeFindByTestId(List, 'drivers')).toBeNull();
    expect(card.findByTestId(Text, 'no-drivers').text).toBe('No single metric stands out.');
  });

  test('lists the expansion signals with reasons', async () => {
    const card = await renderLoaded(scoredHealth());
    const items = card.findByTestId(List, 'expansion-signals').findAll(Text);
    expect(items.map((item) => item.text)).toEqual([
      'Near seat limit: Uses 46 of 50 licensed seats (92%)',
      'Renewal with high health: Renews on 2027-01-15 (in 42 days) with a Healthy score of 72',
    ]);
    expect(card.maybeFindByTestId(Text, 'no-expansion-signals')).toBeNull();
  });

  test('says so when no expansion signal is on', async () => {
    const card = await renderLoaded(scoredHealth({ expansionSignals: [] }));
    expect(card.maybeFindByTestId(List, 'expansion-signals')).toBeNull();
    expect(card.findByTestId(Text, 'no-expansion-signals').text).toBe('No expansion signal is on.');
  });

  test('shows the breakdown table per metric', async () => {
    const card = await renderLoaded(scoredHealth());
    expect(card.findAll(TableHeader).map((header) => header.text)).toEqual([
      'Metric',
      'Value',
      'Normalised (0-100)',
      'Weight',
      'Points earned',
      'Points lost',
    ]);
    const rows = card.find(TableBody).findAll(TableRow);
    expect(rows.map((row) => row.findAll(TableCell).map((cell) => cell.text))).toEqual([
      ['Usage per seat', '3.2 usage events per seat', '64', '45%', '28.8', '16.2'],
      ['Open tickets', '1 open ticket', '80', '20%', '16', '4'],
    ]);
  });

  test('warns on low coverage and names the metrics without data', async () => {
    const health = scoredHealth({ coverage: 55 });
    health.breakdown.push({
      metricId: 'nps',
      label: 'NPS',
      rawText: 'No data',
      normalised: null,
      weight: 20,
      effectiveWeight: 0,
      pointsEarned: 0,
      pointsLost: 0,
      missing: 'no survey answer in the last 180 days',
    });
    const card = await renderLoaded(health);
    const note = card.findByTestId(Alert, 'coverage-note');
    expect(note.props.title).toBe('Low data coverage');
    expect(note.props.variant).toBe('warning');
    expect(note.text).toBe(
      "Only 55% of the score's weight had data, so the score rests on fewer signals than " +
        'configured. No data for: NPS (no survey answer in the last 180 days).',
    );
    const npsRow = card.find(TableBody).findAll(TableRow)[2];
    expect(npsRow?.findAll(TableCell).map((cell) => cell.text)).toEqual([
      'NPS',
      'No data',
      '-',
      '20% (0% applied)',
      '0',
      '0',
    ]);
  });

  test('draws the stored history as a line chart', async () => {
    const card = await renderLoaded(scoredHealth());
    const chart = card.findByTestId(LineChart, 'trend');
    expect(chart.props.data).toEqual([
      { time: Date.parse('2026-11-27T10:00:00.000Z'), score: 67 },
      { time: Date.parse('2026-12-04T10:00:00.000Z'), score: 72 },
    ]);
    expect(chart.props.axes).toEqual({
      x: { field: 'time', fieldType: 'datetime', label: 'Computed at' },
      y: { field: 'score', fieldType: 'linear', label: 'Health score' },
    });
  });

  test('explains a missing trend after one scoring', async () => {
    const card = await renderLoaded(
      scoredHealth({ history: [{ at: '2026-12-04T10:00:00.000Z', score: 72 }] }),
    );
    expect(card.maybeFind(LineChart)).toBeNull();
    expect(card.findByTestId(Text, 'no-trend').text).toBe(
      'The trend appears once the company has been scored twice.',
    );
  });

  test('shows the workspace, version and time in the portal zone', async () => {
    const card = await renderLoaded(scoredHealth());
    expect(card.findByTestId(Text, 'computed').text).toBe(
      'Workspace default, config version 3. Computed Dec 4, 2026, 05:00 AM EST.',
    );
  });

  test('notes a queued recompute', async () => {
    const card = await renderLoaded(scoredHealth({ recomputePending: true }));
    expect(card.findByTestId(Text, 'pending').text).toBe('A recompute is queued for this company.');
  });
});

describe('HealthCard not scored state', () => {
  test.each([
    [
      { done: 120, total: 500 },
      false,
      "CS Health is scoring this account's companies for the first time (120 of 500 done). " +
        'This company gets its score when its turn comes.',
    ],
    [
      null,
      true,
      'This company is queued for scoring. Its score appears here within a few minutes.',
    ],
    [
      null,
      false,
      'CS Health scores a company after install and whenever its data changes in HubSpot. ' +
        'Select Recompute now to score it right away.',
    ],
  ])('explains what happens next (backfill %j, pending %s)', async (backfill, pending, text) => {
    const card = await renderLoaded({
      state: 'not_scored',
      portalId: PORTAL_ID,
      companyId: String(COMPANY_ID),
      recomputePending: pending,
      backfill,
    });
    expect(card.find(EmptyState).props.title).toBe('Not scored yet');
    expect(card.findByTestId(Text, 'next-step').text).toBe(text);
    expect(card.findByTestId(Button, 'recompute').text).toBe('Recompute now');
    expect(card.maybeFind(StatusTag)).toBeNull();
  });
});

describe('HealthCard reconnect state', () => {
  test('explains lost access and links to reinstall', async () => {
    const card = await renderLoaded({
      state: 'disconnected',
      portalId: PORTAL_ID,
      reason: 'revoked',
      reinstallUrl: 'https://app.cs-health.example/oauth/install',
    });
    const state = card.find(ErrorState);
    expect(state.props.title).toBe('CS Health lost access to this HubSpot account');
    expect(state.props.type).toBe('lock');
    expect(card.findByTestId(Text, 'reconnect-explanation').text).toMatch(
      /^HubSpot no longer accepts CS Health’s access/,
    );
    const button = card.findByTestId(Button, 'reinstall');
    expect(button.text).toBe('Reinstall CS Health');
    expect(button.props.href).toEqual({
      url: 'https://app.cs-health.example/oauth/install',
      external: true,
    });
    expect(card.maybeFindByTestId(Button, 'recompute')).toBeNull();
  });

  test('offers an install when the portal has none', async () => {
    const card = await renderLoaded({
      state: 'disconnected',
      portalId: PORTAL_ID,
      reason: 'not_installed',
      reinstallUrl: 'https://app.cs-health.example/oauth/install',
    });
    expect(card.find(ErrorState).props.title).toBe(
      'CS Health is not installed for this HubSpot account',
    );
    expect(card.findByTestId(Button, 'reinstall').text).toBe('Install CS Health');
  });
});

describe('HealthCard recompute button', () => {
  test('queues, waits for the new result and refreshes the record', async () => {
    const before = scoredHealth();
    const waiting = scoredHealth({ recomputePending: true });
    const after = scoredHealth({
      score: 58,
      status: 'needs_attention',
      computedAt: '2026-12-04T10:05:00.000Z',
    });
    mockedFetchHealth.mockResolvedValueOnce(before);
    const card = setup();
    card.renderCard();
    await card.waitFor(() => expect(card.maybeFind(StatusTag)).not.toBeNull());

    mockedRequestRecompute.mockResolvedValueOnce({ state: 'queued', alreadyQueued: false });
    mockedFetchHealth.mockResolvedValueOnce(waiting).mockResolvedValueOnce(after);
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() =>
      expect(card.findByTestId(Text, 'recompute-status').text).toBe('Recomputed just now.'),
    );
    expect(mockedRequestRecompute).toHaveBeenCalledWith(PORTAL_ID, String(COMPANY_ID));
    expect(mockedFetchHealth).toHaveBeenCalledTimes(3);
    expect(card.findByTestId(StatisticsItem, 'score').props.number).toBe('58 / 100');
    expect(card.findByTestId(StatusTag, 'status').text).toBe('Needs attention');
    expect(card.refreshObjectProperties).toHaveBeenCalledTimes(1);
    expect(card.findByTestId(Button, 'recompute').props.disabled).toBe(false);
  });

  test('disables the button while the recompute runs', async () => {
    const card = await renderLoaded(scoredHealth());
    mockedRequestRecompute.mockResolvedValueOnce({ state: 'queued', alreadyQueued: true });
    mockedFetchHealth.mockReturnValue(new Promise(() => {}));
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() =>
      expect(card.findByTestId(Text, 'recompute-status').text).toBe(
        'Queued. The card updates when the new score is ready.',
      ),
    );
    const button = card.findByTestId(Button, 'recompute');
    expect(button.props.disabled).toBe(true);
    expect(button.text).toBe('Recomputing...');
    // The first poll never resolves; waiting for it keeps it out of the next test's mocks.
    await pollUntil(() => expect(mockedFetchHealth).toHaveBeenCalledTimes(2));
  });

  test('scores a company that had no score yet', async () => {
    const card = await renderLoaded({
      state: 'not_scored',
      portalId: PORTAL_ID,
      companyId: String(COMPANY_ID),
      recomputePending: false,
      backfill: null,
    });
    mockedRequestRecompute.mockResolvedValueOnce({ state: 'queued', alreadyQueued: false });
    mockedFetchHealth.mockResolvedValueOnce(scoredHealth());
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() => expect(card.maybeFind(StatusTag)).not.toBeNull());
    expect(card.maybeFind(EmptyState)).toBeNull();
    expect(card.refreshObjectProperties).toHaveBeenCalledTimes(1);
  });

  test('reports a recompute without a score', async () => {
    const notScored = {
      state: 'not_scored',
      portalId: PORTAL_ID,
      companyId: String(COMPANY_ID),
      recomputePending: false,
      backfill: null,
    } as const;
    const card = await renderLoaded(notScored);
    mockedRequestRecompute.mockResolvedValueOnce({ state: 'queued', alreadyQueued: false });
    mockedFetchHealth.mockResolvedValueOnce(notScored);
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() =>
      expect(card.findByTestId(Text, 'recompute-status').text).toBe(
        'The recompute finished without a score. CS Health retries failed companies in its ' +
          'nightly sweep.',
      ),
    );
    expect(card.find(EmptyState).props.title).toBe('Not scored yet');
    expect(card.refreshObjectProperties).not.toHaveBeenCalled();
  });

  test('stops waiting after the last poll', async () => {
    const card = await renderLoaded(scoredHealth());
    mockedRequestRecompute.mockResolvedValueOnce({ state: 'queued', alreadyQueued: false });
    mockedFetchHealth.mockResolvedValue(scoredHealth({ recomputePending: true }));
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() =>
      expect(card.findByTestId(Text, 'recompute-status').text).toBe(
        'The recompute is still queued. Reopen this tab in a minute to see the new score.',
      ),
    );
    // One read on load plus maxPolls (5) reads while waiting.
    expect(mockedFetchHealth).toHaveBeenCalledTimes(6);
    expect(card.refreshObjectProperties).not.toHaveBeenCalled();
    expect(card.findByTestId(Button, 'recompute').props.disabled).toBe(false);
  });

  test('keeps polling after a failed read', async () => {
    const card = await renderLoaded(scoredHealth());
    mockedRequestRecompute.mockResolvedValueOnce({ state: 'queued', alreadyQueued: false });
    mockedFetchHealth
      .mockRejectedValueOnce(new CardApiError('CS Health answered with HTTP 502.', 502))
      .mockResolvedValueOnce(scoredHealth({ computedAt: '2026-12-04T10:05:00.000Z' }));
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() =>
      expect(card.findByTestId(Text, 'recompute-status').text).toBe('Recomputed just now.'),
    );
    expect(card.refreshObjectProperties).toHaveBeenCalledTimes(1);
  });

  test('shows why the request failed', async () => {
    const card = await renderLoaded(scoredHealth());
    mockedRequestRecompute.mockRejectedValueOnce(
      new CardApiError('CS Health could not be reached (timeout).', null),
    );
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() =>
      expect(card.findByTestId(Text, 'recompute-status').text).toBe(
        'Recompute failed: CS Health could not be reached (timeout).',
      ),
    );
    expect(mockedFetchHealth).toHaveBeenCalledTimes(1);
    expect(card.findByTestId(StatusTag, 'status').text).toBe('Healthy');
  });

  test('switches to reconnect when the portal is disconnected', async () => {
    const card = await renderLoaded(scoredHealth());
    mockedRequestRecompute.mockResolvedValueOnce({
      state: 'disconnected',
      portalId: PORTAL_ID,
      reason: 'revoked',
      reinstallUrl: 'https://app.cs-health.example/oauth/install',
    });
    card.findByTestId(Button, 'recompute').trigger('onClick');

    await card.waitFor(() => expect(card.maybeFindByTestId(Button, 'reinstall')).not.toBeNull());
    expect(card.maybeFind(StatusTag)).toBeNull();
    expect(card.refreshObjectProperties).not.toHaveBeenCalled();
  });
});
