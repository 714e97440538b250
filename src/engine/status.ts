import type { StatusConfig } from './config-schema';
import type { HealthStatus } from './result-types';

/**
 * Classifies a rounded score: healthy at or above `healthyAtOrAbove`, at risk below
 * `atRiskBelow`, needs attention in between.
 *
 * With `hysteresis` N and a previous status, a company keeps its previous status until the score
 * passes the boundary by N points, so a score hovering at a threshold does not flap. A healthy
 * company drops only below `healthyAtOrAbove - N`. An at-risk one recovers only at
 * `atRiskBelow + N`. One that needs attention becomes healthy at `healthyAtOrAbove + N`, capped
 * at 100. It becomes at risk below `atRiskBelow - N`, which is at least 1 so that 0 still counts.
 */
export function classifyScore(
  score: number,
  status: StatusConfig,
  previous?: HealthStatus,
): HealthStatus {
  const { healthyAtOrAbove: healthy, atRiskBelow: atRisk, hysteresis } = status;
  const plain = classifyPlain(score, healthy, atRisk);
  if (previous === undefined || hysteresis === 0 || previous === plain) return plain;

  switch (previous) {
    case 'healthy':
      return score >= healthy - hysteresis ? 'healthy' : plain;
    case 'at_risk':
      return score < atRisk + hysteresis ? 'at_risk' : plain;
    case 'needs_attention': {
      if (score >= Math.min(healthy + hysteresis, 100)) return 'healthy';
      if (score < Math.max(atRisk - hysteresis, Math.min(atRisk, 1))) return 'at_risk';
      return 'needs_attention';
    }
  }
}

function classifyPlain(score: number, healthy: number, atRisk: number): HealthStatus {
  if (score >= healthy) return 'healthy';
  if (score < atRisk) return 'at_risk';
  return 'needs_attention';
}
