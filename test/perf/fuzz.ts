import { exitWith, round, type GoalResult } from './common/report';
import { envTarget } from './fuzz/env';
import { connectThroughProxy, gatewayTarget } from './fuzz/hubspot';
import { oauthTarget } from './fuzz/oauth';
import { recomputeTarget } from './fuzz/recompute';
import { runTarget, type FuzzTarget, type TargetSummary } from './fuzz/runner';
import { scoreConfigTarget } from './fuzz/score-config';
import { startFuzzStack } from './fuzz/stack';
import { webhookTarget } from './fuzz/webhooks';

/**
 * `npm run fuzz`: property-based and mutated inputs at every boundary of the app, counted by
 * outcome. See docs/benchmarks.md for what each target feeds and checks.
 */

interface FuzzFields {
  cases: number;
  crashes: number;
  hangs: number;
  acceptedInvalid: number;
  mismatches: number;
  targets: TargetSummary[];
}

/**
 * Cases per target, full and quick. The HubSpot targets are slower per case because broken
 * connections wait for the gateway's timeout.
 */
const RUNS: Record<string, { full: number; quick: number }> = {
  webhooks: { full: 3000, quick: 250 },
  'oauth-callback': { full: 1500, quick: 120 },
  'score-config': { full: 4000, quick: 400 },
  environment: { full: 4000, quick: 400 },
  'hubspot-responses': { full: 2000, quick: 120 },
  'recompute-on-broken-responses': { full: 1000, quick: 80 },
};

exitWith({
  command: 'fuzz',
  summary:
    'Feeds property-based and mutated inputs to webhook intake, the OAuth callback, score configs, ' +
    'environment settings and the HubSpot gateway, and counts crashes, hangs and accepted invalid input.',
  options: [
    {
      flag: '--only',
      description: 'run only the named targets, comma-separated (default: all)',
      integer: false,
      text: true,
    },
  ],
  async run(options, print) {
    const stack = await startFuzzStack();
    const hangMs = 10_000;
    const gatewayPortal = await connectThroughProxy(stack, 'gateway');
    const recomputePortal = await connectThroughProxy(stack, 'recompute');
    const targets = [
      webhookTarget(stack, hangMs),
      oauthTarget(stack, hangMs),
      scoreConfigTarget(stack, hangMs),
      envTarget(hangMs),
      gatewayTarget(stack, gatewayPortal),
      recomputeTarget(stack, recomputePortal),
    ].filter(
      (target) => !options.texts.only || options.texts.only.split(',').includes(target.name),
    ) as unknown as FuzzTarget<unknown>[];
    const summaries: TargetSummary[] = [];
    try {
      for (const [index, target] of targets.entries()) {
        const runs = RUNS[target.name] ?? { full: 1000, quick: 100 };
        const numRuns = options.quick ? runs.quick : runs.full;
        summaries.push(
          await runTarget(
            target,
            {
              numRuns,
              seed: options.seed + index,
              hangMs,
              shrinkMs: options.quick ? 3_000 : 30_000,
            },
            print,
          ),
        );
      }
    } finally {
      await gatewayPortal.close();
      await recomputePortal.close();
      await stack.close();
    }
    const sum = (field: 'cases' | 'crashes' | 'hangs' | 'acceptedInvalid' | 'mismatches'): number =>
      summaries.reduce((total, summary) => total + summary[field], 0);
    const fields: FuzzFields = {
      cases: sum('cases'),
      crashes: sum('crashes'),
      hangs: sum('hangs'),
      acceptedInvalid: sum('acceptedInvalid'),
      mismatches: sum('mismatches'),
      targets: summaries,
    };
    return fields as unknown as Record<string, unknown>;
  },
  goals(fields): GoalResult[] {
    const value = (key: string): number => Number(fields[key] ?? NaN);
    return ['crashes', 'hangs', 'acceptedInvalid'].map((key) => ({
      key,
      goal: '0',
      value: round(value(key), 0),
      met: value(key) === 0,
    }));
  },
});
