import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BedrockRuntimeClient, type BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { fromIni, fromTemporaryCredentials, fromWebToken } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { BedrockSettings } from './settings.js';

/** Options of {@link createBedrockClient}. */
export interface BedrockClientOptions {
  /**
   * Most sockets per origin in the keep-alive pool (HTTP/1.1: one call per socket at a time), so
   * this bounds the concurrent calls of one process to one endpoint. Default 16 384.
   */
  maxSockets?: number;
  /** Idle keep-alive sockets kept per origin. Default 1 024. */
  maxFreeSockets?: number;
  /** TCP connect timeout in ms (a failure is a `connection` error). Default 10 000. */
  connectionTimeoutMs?: number;
}

/** The pieces the adapter keeps: the client and the agents it must destroy on close. */
export interface BedrockClientHandle {
  readonly client: BedrockRuntimeClient;
  /** Closes pooled sockets. */
  destroy(): void;
}

/**
 * The base credentials: static keys, a shared-config profile (`fromIni`), or undefined for the
 * SDK's default chain. Bearer (API key) and invalid settings have none.
 */
function baseCredentials(s: BedrockSettings): AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined {
  const c = s.credentials;
  if (c.kind === 'static') {
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
  }
  if (c.kind === 'profile') return fromIni({ profile: c.profile });
  return undefined;
}

/**
 * The credential provider of the client: the base credentials, or, with `aws_role_name`, a
 * role assumed through STS (`AssumeRole` with the base credentials as master credentials, or
 * `AssumeRoleWithWebIdentity` with `aws_web_identity_token`). The SDK caches the temporary
 * credentials and refreshes them before they expire.
 */
export function bedrockCredentials(s: BedrockSettings, stsHandler: NodeHttpHandler): AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined {
  const base = baseCredentials(s);
  const role = s.role;
  if (!role) return base;
  const clientConfig = { region: s.region, requestHandler: stsHandler, maxAttempts: 1, ...(role.stsEndpoint ? { endpoint: role.stsEndpoint } : {}) };
  if (role.webIdentityToken !== undefined) {
    return fromWebToken({ roleArn: role.roleArn, roleSessionName: role.sessionName, webIdentityToken: role.webIdentityToken, clientConfig });
  }
  return fromTemporaryCredentials({
    params: { RoleArn: role.roleArn, RoleSessionName: role.sessionName, ...(role.externalId ? { ExternalId: role.externalId } : {}) },
    ...(base ? { masterCredentials: base } : {}),
    clientConfig,
  });
}

/**
 * Builds the Bedrock Runtime client of one deployment.
 *
 * - HTTP/1.1 (`NodeHttpHandler`) for every endpoint, over keep-alive agents with a high socket
 *   limit: the SDK's default Node handler for this client is HTTP/2 with one session per request
 *   (`disableConcurrentStreams`), which pools nothing and which a cleartext loopback endpoint
 *   cannot speak without prior knowledge. Converse and ConverseStream work the same over HTTP/1.1.
 * - `maxAttempts: 1`: the SDK never retries; Switchyard's router retries and falls back itself.
 * - SigV4 is preferred whenever AWS credentials are configured; a Bedrock API key (`api_key`)
 *   uses the SDK's bearer scheme.
 */
export function createBedrockClient(s: BedrockSettings, opts: BedrockClientOptions = {}): BedrockClientHandle {
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 16_384, maxFreeSockets: opts.maxFreeSockets ?? 1_024 };
  const httpAgent = new HttpAgent(agentOpts);
  const httpsAgent = new HttpsAgent(agentOpts);
  const handler = new NodeHttpHandler({ httpAgent, httpsAgent, connectionTimeout: opts.connectionTimeoutMs ?? 10_000 });
  const config: BedrockRuntimeClientConfig = {
    region: s.region,
    maxAttempts: 1,
    requestHandler: handler,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
  };
  if (s.credentials.kind === 'bearer') {
    config.token = { token: s.credentials.token };
    config.authSchemePreference = ['httpBearerAuth'];
  } else {
    const credentials = bedrockCredentials(s, handler);
    if (credentials) config.credentials = credentials;
    config.authSchemePreference = ['sigv4'];
  }
  const client = new BedrockRuntimeClient(config);
  return {
    client,
    destroy: () => {
      client.destroy();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
