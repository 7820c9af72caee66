export * from './adapter.js';
export * from './upstream-error.js';
export * from './upstream-body.js';
export * from './openai-compatible.js';
export * from './registry.js';
export * from './breaker.js';
export * from './sse.js';
export * from './stream-assembler.js';
