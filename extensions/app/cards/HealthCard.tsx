import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Button,
  EmptyState,
  ErrorState,
  Flex,
  LoadingSpinner,
  Text,
  hubspot,
  type CrmContext,
} from '@hubspot/ui-extensions';
import { CardApiError, fetchHealth, requestRecompute } from './api';
import { ScoreView } from './ScoreView';
import type { DisconnectedHealth, HealthResponse, NotScoredHealth } from './types';

/** Time between two reads of the result while a requested recompute runs. */
export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** Reads before the card stops waiting; with the default interval, about 30 seconds. */
export const DEFAULT_MAX_POLLS = 15;

export interface HealthCardProps {
  context: Pick<CrmContext, 'portal' | 'crm'>;
  actions: { refreshObjectProperties: () => void };
  pollIntervalMs?: number;
  maxPolls?: number;
}

type LoadState =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'loaded'; health: HealthResponse };

type RecomputeState =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'waiting' }
  | { kind: 'done' }
  | { kind: 'no_score' }
  | { kind: 'timed_out' }
  | { kind: 'failed'; message: string };

function errorMessage(error: unknown): string {
  if (error instanceof CardApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True once the recompute the card asked for has run, judged from a fresh read. */
function recomputeFinished(health: HealthResponse, computedAtBefore: string | null): boolean {
  if (health.state === 'disconnected') return true;
  if (!health.recomputePending) return true;
  return health.state === 'scored' && health.computedAt !== computedAtBefore;
}

/**
 * The company health card on the company record: the stored score with its breakdown, drivers
 * and trend, and a button that requests a recompute from the backend.
 */
export function HealthCard({
  context,
  actions,
  pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
  maxPolls = DEFAULT_MAX_POLLS,
}: HealthCardProps) {
  const portalId = context.portal.id;
  const companyId = String(context.crm.objectId);
  const [load, setLoad] = useState<LoadState>({ kind: 'loading' });
  const [recompute, setRecompute] = useState<RecomputeState>({ kind: 'idle' });
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const reload = useCallback(async () => {
    setLoad({ kind: 'loading' });
    try {
      const health = await fetchHealth(portalId, companyId);
      if (mounted.current) setLoad({ kind: 'loaded', health });
    } catch (error) {
      if (mounted.current) setLoad({ kind: 'error', message: errorMessage(error) });
    }
  }, [portalId, companyId]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const computedAtBefore =
    load.kind === 'loaded' && load.health.state === 'scored' ? load.health.computedAt : null;

  const startRecompute = useCallback(async () => {
    setRecompute({ kind: 'sending' });
    let queued;
    try {
      queued = await requestRecompute(portalId, companyId);
    } catch (error) {
      if (mounted.current) setRecompute({ kind: 'failed', message: errorMessage(error) });
      return;
    }
    if (!mounted.current) return;
    if (queued.state === 'disconnected') {
      setLoad({ kind: 'loaded', health: queued });
      setRecompute({ kind: 'idle' });
      return;
    }

    setRecompute({ kind: 'waiting' });
    for (let poll = 0; poll < maxPolls; poll += 1) {
      await sleep(pollIntervalMs);
      if (!mounted.current) return;
      let health: HealthResponse;
      try {
        health = await fetchHealth(portalId, companyId);
      } catch {
        // The next poll retries a failed read, and the card keeps showing the last result.
        continue;
      }
      if (!mounted.current) return;
      if (recomputeFinished(health, computedAtBefore)) {
        setLoad({ kind: 'loaded', health });
        if (health.state === 'scored') {
          setRecompute({ kind: 'done' });
          // The recompute also wrote the record's cs_health_* properties, so HubSpot re-reads them.
          actions.refreshObjectProperties();
        } else {
          setRecompute({ kind: health.state === 'not_scored' ? 'no_score' : 'idle' });
        }
        return;
      }
    }
    setRecompute({ kind: 'timed_out' });
  }, [portalId, companyId, computedAtBefore, maxPolls, pollIntervalMs, actions]);

  if (load.kind === 'loading') {
    return <LoadingSpinner label="Loading the health score" layout="centered" />;
  }
  if (load.kind === 'error') {
    return (
      <ErrorState title="Could not load the health score">
        <Text testId="error-message">{load.message}</Text>
        <Button onClick={() => void reload()} testId="retry">
          Try again
        </Button>
      </ErrorState>
    );
  }

  const { health } = load;
  if (health.state === 'disconnected') return <ReconnectView health={health} />;

  const controls = (
    <RecomputeControls state={recompute} onRecompute={() => void startRecompute()} />
  );
  if (health.state === 'not_scored') {
    return (
      <Flex direction="column" gap="md">
        <NotScoredView health={health} />
        {controls}
      </Flex>
    );
  }
  return (
    <Flex direction="column" gap="md">
      <ScoreView health={health} timeZone={context.portal.timezone} />
      {controls}
    </Flex>
  );
}

function RecomputeControls({
  state,
  onRecompute,
}: {
  state: RecomputeState;
  onRecompute: () => void;
}) {
  const busy = state.kind === 'sending' || state.kind === 'waiting';
  return (
    <Flex direction="row" gap="sm" align="center">
      <Button variant="secondary" onClick={onRecompute} disabled={busy} testId="recompute">
        {busy ? 'Recomputing...' : 'Recompute now'}
      </Button>
      <RecomputeStatus state={state} />
    </Flex>
  );
}

function RecomputeStatus({ state }: { state: RecomputeState }) {
  switch (state.kind) {
    case 'idle':
    case 'sending':
      return null;
    case 'waiting':
      return (
        <Text variant="microcopy" testId="recompute-status">
          Queued. The card updates when the new score is ready.
        </Text>
      );
    case 'done':
      return (
        <Text variant="microcopy" testId="recompute-status">
          Recomputed just now.
        </Text>
      );
    case 'no_score':
      return (
        <Text variant="microcopy" testId="recompute-status">
          The recompute finished without a score. CS Health retries failed companies in its nightly
          sweep.
        </Text>
      );
    case 'timed_out':
      return (
        <Text variant="microcopy" testId="recompute-status">
          The recompute is still queued. Reopen this tab in a minute to see the new score.
        </Text>
      );
    case 'failed':
      return (
        <Text variant="microcopy" testId="recompute-status">
          Recompute failed: {state.message}
        </Text>
      );
  }
}

function NotScoredView({ health }: { health: NotScoredHealth }) {
  let next: string;
  if (health.backfill !== null) {
    next =
      `CS Health is scoring this account's companies for the first time ` +
      `(${health.backfill.done} of ${health.backfill.total} done). ` +
      'This company gets its score when its turn comes.';
  } else if (health.recomputePending) {
    next = 'This company is queued for scoring. Its score appears here within a few minutes.';
  } else {
    next =
      'CS Health scores a company after install and whenever its data changes in HubSpot. ' +
      'Select Recompute now to score it right away.';
  }
  return (
    <EmptyState title="Not scored yet" layout="vertical" imageName="companies">
      <Text testId="next-step">{next}</Text>
    </EmptyState>
  );
}

function ReconnectView({ health }: { health: DisconnectedHealth }) {
  const revoked = health.reason === 'revoked';
  const title = revoked
    ? 'CS Health lost access to this HubSpot account'
    : 'CS Health is not installed for this HubSpot account';
  const explanation = revoked
    ? 'HubSpot no longer accepts CS Health’s access, for example because the app was ' +
      'uninstalled or its access was revoked. Scores are not updated until someone with ' +
      'app-install permission reinstalls CS Health.'
    : 'CS Health has no installation for this account, so it cannot score its companies. ' +
      'Someone with app-install permission can install it.';
  return (
    <ErrorState title={title} type="lock">
      <Text testId="reconnect-explanation">{explanation}</Text>
      <Button
        variant="primary"
        href={{ url: health.reinstallUrl, external: true }}
        testId="reinstall"
      >
        {revoked ? 'Reinstall CS Health' : 'Install CS Health'}
      </Button>
    </ErrorState>
  );
}

hubspot.extend<'crm.record.tab'>(({ context, actions }) => (
  <HealthCard context={context} actions={actions} />
));
