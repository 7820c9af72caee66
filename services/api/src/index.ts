export * from './server.js';
export { createApp, type AppDeps } from './app.js';
export { JobSubmitter } from './submitter.js';
export * from './schemas.js';
