export { startVertexFake, type VertexFake, type VertexFakeOptions, type VertexFakeStats } from './server.js';
export { DEFAULT_VERTEX_BEHAVIOUR, type VertexFakeBehaviour, type VertexFailure } from './behaviour.js';
export { verifyServiceAccountJwt, type TrustedServiceAccount, type JwtVerdict } from './jwt.js';
export { VERTEX_ANTHROPIC_VERSION } from './anthropic.js';
export { generateServiceAccount, type GeneratedServiceAccount } from './service-account.js';
