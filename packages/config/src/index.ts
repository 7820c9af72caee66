/**
 * `@switchyard/config`: loads LiteLLM proxy `config.yaml` files unchanged and turns them into
 * the normalised {@link SwitchyardConfig} every Switchyard role works from.
 */
export * from './types.js';
export { parseConfig, type ParseOptions } from './parse.js';
export { loadConfigFile, type LoadOptions } from './load.js';
export { ConfigError, formatWarnings } from './errors.js';
export { readExtraHeaders, ExtraHeadersError, FORBIDDEN_EXTRA_HEADERS, isOperatorOnlyHeader, readRequestExtraHeaders } from './extra-headers.js';
export { stableDeploymentId } from './stable-id.js';
export { isVertexEndpointModel, isVertexPartnerModel } from './provider.js';
export { explainConfig } from './explain.js';
export { describeReliability } from './describe-reliability.js';
export { overflowFor, DEFAULT_MAX_WAIT_MS } from './overflow.js';
