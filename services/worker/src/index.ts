export * from './worker.js';
export { planNextStep, retriesFor, fallbacksFor, type NextStep, type PlanContext } from './retry-plan.js';
export { healthDecision, type HealthDecision } from './health.js';
export { Executor, type AbortReason } from './executor.js';
