export * from './routing-state.js';
export * from './queues.js';
export * from './deadlines.js';
export * from './precall.js';
export { RESERVE_LUA } from './lua/reserve.lua.js';
export { RELEASE_LUA } from './lua/release.lua.js';
export { RECORD_FAILURE_LUA } from './lua/record-failure.lua.js';
export { RENEW_LUA } from './lua/renew.lua.js';
export * from './fallback-plan.js';
