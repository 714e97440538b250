import { Writable } from 'node:stream';
import express from 'express';
import type IORedis from 'ioredis';
import {
  DEFAULT_SCORE_CONFIG,
  detectExpansionSignals,
  scoreCompany,
  type CompanySnapshot,
} from '../engine';
import { createLogger, type Logger } from '../log';
import { InstallationStore } from '../store/installations';
import { ProgressStore } from '../../webhooks/backfill/progress';
import { RecomputeQueue } from '../../webhooks/queue/queue';
import {
  appendScoreHistory,
  RecomputeStore,
  type ScorePoint,
  type StoredCompanyResult,
} from '../../webhooks/recompute/store';
import { computeSignatureV3, signedUri } from '../../webhooks/intake/signature';
import { cardsRouter, type CardsRouterDeps } from './routes';

/** Shared setup of the cards tests: real stores and queue on the test Redis, a captured log. */

export const DAY_MS = 86_400_000;

export interface CardsHarness {
  app: express.Express;
  redis: IORedis;
  prefix: string;
  installations: InstallationStore;
  results: RecomputeStore;
  progress: ProgressStore;
  queue: RecomputeQueue;
  logLines: () => Record<string, unknown>[];
  close: () => Promise<void>;
}

/** Creates a logger that keeps every line, parsed, for assertions on the log. */
export function captureLog(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', name: 'cards-test' }, stream);
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

/** Builds the real stores on `redis` and an express app with the cards router at `/cards`. */
export function createHarness(
  redis: IORedis,
  prefix: string,
  options: Partial<CardsRouterDeps> & { publicOrigin: string; clientSecret: string },
  mount: (app: express.Express, router: express.Router) => void = (app, router) =>
    app.use('/cards', router),
): CardsHarness {
  const { logger, lines } = captureLog();
  const installations = new InstallationStore({ redis, prefix });
  const results = new RecomputeStore(redis, prefix);
  const progress = new ProgressStore(redis, prefix, results);
  const queue = new RecomputeQueue({ connection: redis, prefix, logger });
  const router = cardsRouter({
    redis,
    installations,
    results,
    progress,
    queue,
    logger,
    ...options,
  });
  const app = express();
  mount(app, router);
  return {
    app,
    redis,
    prefix,
    installations,
    results,
    progress,
    queue,
    logLines: lines,
    close: () => queue.close(),
  };
}

/**
 * Scores a company with the real engine and the default config, the way the recompute does,
 * and returns what the recompute stores for it.
 */
export function engineResult(
  companyId: string,
  snapshotProperties: Record<string, string | null>,
  computedAt: number,
  history: ScorePoint[] = [],
): StoredCompanyResult {
  const snapshot: CompanySnapshot = {
    id: companyId,
    properties: snapshotProperties,
    propertyHistory: {},
    tickets: [
      {
        id: '9001',
        properties: {
          createdate: new Date(computedAt - 10 * DAY_MS).toISOString(),
          hs_ticket_priority: 'HIGH',
          hs_pipeline_stage: '1',
          closed_date: null,
        },
        stageClosed: false,
      },
    ],
    feedback: [],
  };
  const result = scoreCompany(snapshot, DEFAULT_SCORE_CONFIG, new Date(computedAt));
  const expansionSignals = detectExpansionSignals(
    snapshot,
    result,
    DEFAULT_SCORE_CONFIG,
    new Date(computedAt),
  );
  return {
    companyId,
    score: result.score,
    status: result.status,
    computedAt,
    workspace: result.workspace,
    configVersion: result.configVersion,
    result,
    history: appendScoreHistory(history, computedAt, result.score),
    ticketIds: ['9001'],
    contactIds: [],
    feedbackIds: [],
    expansionSignals,
  };
}

/** Signs a request the way HubSpot does for `hubspot.fetch`: v3 over the public URI. */
export function signRequest(
  secret: string,
  publicOrigin: string,
  method: string,
  pathAndQuery: string,
  body: string,
  timestamp: number,
): Record<string, string> {
  const uri = signedUri(publicOrigin, pathAndQuery);
  return {
    'X-HubSpot-Signature-v3': computeSignatureV3(secret, method, uri, body, String(timestamp)),
    'X-HubSpot-Request-Timestamp': String(timestamp),
  };
}
