export * from './scheduler.js';
export { GroupDispatcher, MAX_GATE_MS } from './group-dispatcher.js';
