export * from './scheduler.js';
export { GroupDispatcher, MAX_GATE_MS, DEADLINE_SWEEP_MS, deadlineError } from './group-dispatcher.js';
export { sweepOrphanQueues, ORPHAN_SWEEP_MS } from './orphans.js';
