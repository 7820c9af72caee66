export * from './process-metrics.js';
export * from './outcomes.js';
export * from './metrics-server.js';
