/** The Amazon Bedrock Runtime fake (Converse, ConverseStream, SigV4-verified) with a tiny STS. */
export {
  startBedrockFake,
  DEFAULT_FAKE_CREDENTIAL,
  BEDROCK_FAKE_MAX_BODY_BYTES,
  type BedrockFake,
  type BedrockFakeStats,
  type StartBedrockFakeOptions,
} from './server.js';
export {
  DEFAULT_BEDROCK_BEHAVIOUR,
  BEDROCK_HTTP_EXCEPTIONS,
  BEDROCK_STREAM_EXCEPTIONS,
  type BedrockFakeBehaviour,
  type BedrockHttpException,
  type BedrockStreamException,
} from './behaviour.js';
export { verifySigV4, type FakeAwsCredential, type SigV4Result } from './sigv4.js';
export { parseConverseBody, converseBodySchema, type ConverseBody } from './schema.js';
export { encodeEvent, encodeException, decodeMessage } from './eventstream.js';
