export * from './worker.js';
export { planNextStep, type NextStep } from './retry-plan.js';
export { Executor } from './executor.js';
