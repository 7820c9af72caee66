/**
 * Interleaved rounds: sections 1–3 measure every scenario (direct, standalone, split, Portkey)
 * once per round, round after round, and report for each the round with the median req/s. A
 * shared VM's speed drifts over minutes (its steal time comes and goes); measured one after
 * another, each scenario would get its own share of that drift, and the ratios between them
 * would carry it. Interleaved, every scenario sees each phase of it.
 */
import type { HttpScenarioResult } from './results.js';

/**
 * The round with the median req/s among the rounds that ran (the lower middle of an even count),
 * with the req/s of every successful round (`roundsRps`, in round order) and how many failed;
 * the last failure when none ran.
 */
export function medianRound(rounds: readonly HttpScenarioResult[]): HttpScenarioResult {
  const ran = rounds.filter((r) => r.load && !r.error);
  const failedRounds = rounds.length - ran.length;
  if (ran.length === 0) return rounds[rounds.length - 1] ?? { id: '?', label: '?', error: 'no round ran' };
  const byRate = [...ran].sort((a, b) => (a.load?.rps ?? 0) - (b.load?.rps ?? 0));
  const median = byRate[Math.floor((byRate.length - 1) / 2)] as HttpScenarioResult;
  return {
    ...median,
    ...(rounds.length > 1 ? { roundsRps: ran.map((r) => r.load?.rps ?? 0) } : {}),
    ...(failedRounds > 0 ? { failedRounds } : {}),
  };
}
