export { parseCli, USAGE, UsageError, COMMANDS, type Command, type Flags } from './args.js';
export { describePlan } from './check.js';
export { demoConfigYaml } from './demo-config.js';
