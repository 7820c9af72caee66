export * from './routing-state.js';
export * from './queues.js';
export * from './deadlines.js';
export * from './precall.js';
export { RESERVE_LUA, RELEASE_LUA, RECORD_FAILURE_LUA } from './reserve.lua.js';
