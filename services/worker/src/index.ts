export * from './worker.js';
export { planNextStep, retriesFor, fallbackKindFor, type NextStep, type PlanContext } from './retry-plan.js';
export { healthDecision, type HealthDecision } from './health.js';
export { Executor, type AbortReason } from './executor.js';
export { LeaseKeeper } from './lease-keeper.js';
