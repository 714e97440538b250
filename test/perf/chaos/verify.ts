import type { AppStack } from '../common/app-stack';
import { defaultTicketPipeline } from '../../../sandbox/store/pipelines';
import { compareWithSandbox, type ScoreMismatch } from '../../../src/demo/expected';
import { ConfigStore } from '../../../src/store/configs';
import { DEFAULT_WORKSPACE } from '../../../webhooks/recompute/config-source';
import { RecomputeStore } from '../../../webhooks/recompute/store';

export interface CompanyVerdicts {
  lost: { companyId: string; why: string }[];
  wrong: ScoreMismatch[];
  failed: number;
}

/**
 * Classifies every company. Lost: no score written, no stored result, or the last change the
 * stream made to it came after its last computation. Wrong: the written score, status, drivers or
 * coverage differ from the engine's result on the sandbox's final data at the time the app
 * computed it.
 */
export async function checkCompanies(
  stack: AppStack,
  portalId: number,
  ids: string[],
  lastChangeAt: Map<string, number>,
): Promise<CompanyVerdicts> {
  const portal = stack.sandbox.portal(portalId);
  const results = new RecomputeStore(stack.redis, stack.prefix);
  const config = await new ConfigStore(stack.redis, stack.prefix).get(portalId, DEFAULT_WORKSPACE);
  const closedStageIds = new Set(
    defaultTicketPipeline(new Date().toISOString())
      .stages.filter((stage) => stage.metadata.isClosed === 'true')
      .map((stage) => stage.id),
  );
  const stored = await results.getResults(portalId, ids);
  const verdicts: CompanyVerdicts = {
    lost: [],
    wrong: [],
    failed: (await results.failedCompanies(portalId)).size,
  };
  for (const id of ids) {
    const record = stored.get(id);
    const written = portal.getObject('companies', id)?.properties.cs_health_score;
    if (!record || !written) {
      verdicts.lost.push({ companyId: id, why: record ? 'no score written' : 'no stored result' });
      continue;
    }
    const changedAt = lastChangeAt.get(id);
    if (changedAt !== undefined && changedAt > record.computedAt) {
      verdicts.lost.push({
        companyId: id,
        why: `changed at ${new Date(changedAt).toISOString()}, last computed at ${new Date(record.computedAt).toISOString()}`,
      });
      continue;
    }
    const check = compareWithSandbox(
      portal,
      id,
      config,
      closedStageIds,
      new Date(record.computedAt),
    );
    verdicts.wrong.push(...check.mismatches.slice(0, 1));
  }
  return verdicts;
}

/**
 * Proves the check can fail: breaks one correct company's written score and marks another as
 * changed after its last computation, then expects the check to report exactly those two. Runs
 * after the real check, so the broken values never reach a verdict. Throws when the check misses
 * either, because the suite's result could not be trusted then.
 */
export async function checkControls(
  stack: AppStack,
  portalId: number,
  ids: string[],
  lastChangeAt: Map<string, number>,
  verdict: CompanyVerdicts,
): Promise<{ wrongDetected: boolean; lostDetected: boolean }> {
  const bad = new Set([
    ...verdict.lost.map((item) => item.companyId),
    ...verdict.wrong.map((item) => item.companyId),
  ]);
  const [wrongControl, lostControl] = ids.filter((id) => !bad.has(id));
  if (!wrongControl || !lostControl) return { wrongDetected: false, lostDetected: false };
  const portal = stack.sandbox.portal(portalId);
  const score = Number(
    portal.getObject('companies', wrongControl)?.properties.cs_health_score ?? 0,
  );
  portal.updateObject('companies', wrongControl, { cs_health_score: String((score + 37) % 101) });
  const changes = new Map(lastChangeAt);
  changes.set(lostControl, Date.now());
  const control = await checkCompanies(stack, portalId, [wrongControl, lostControl], changes);
  const result = {
    wrongDetected: control.wrong.some((item) => item.companyId === wrongControl),
    lostDetected: control.lost.some((item) => item.companyId === lostControl),
  };
  if (!result.wrongDetected || !result.lostDetected) {
    throw new Error(
      `the final check missed a planted fault (wrong detected: ${result.wrongDetected}, lost detected: ${result.lostDetected})`,
    );
  }
  return result;
}
