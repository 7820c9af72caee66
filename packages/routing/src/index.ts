export * from './routing-state.js';
export * from './queues.js';
export { RESERVE_LUA, RELEASE_LUA, RECORD_FAILURE_LUA } from './reserve.lua.js';
