import type { Deployment } from '@switchyard/config';

/** Region used when neither the deployment nor the environment names one. */
export const BEDROCK_DEFAULT_REGION = 'us-east-1';

/** `RoleSessionName` of an assumed role when `aws_session_name` is absent. */
export const BEDROCK_DEFAULT_SESSION_NAME = 'switchyard';

/** Where the adapter's AWS credentials come from, in the order they are looked for. */
export type BedrockCredentialSource =
  /** `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`). */
  | { readonly kind: 'static'; readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
  /** `aws_profile_name`: a profile of the shared `~/.aws/config` / `~/.aws/credentials` files. */
  | { readonly kind: 'profile'; readonly profile: string }
  /** `api_key` without AWS keys: a Bedrock API key, sent as `Authorization: Bearer`. */
  | { readonly kind: 'bearer'; readonly token: string }
  /** None of the above: the AWS SDK's default chain (env, shared files, SSO, web identity, ECS, IMDS). */
  | { readonly kind: 'default' }
  /** A misconfiguration (e.g. a key id without its secret): every call fails with an auth error saying why. */
  | { readonly kind: 'invalid'; readonly reason: string };

/** A role assumed through STS on top of the base credentials (`aws_role_name`). */
export interface BedrockRole {
  /** `aws_role_name`: the role ARN passed to STS as `RoleArn`. */
  readonly roleArn: string;
  /** `aws_session_name`; default {@link BEDROCK_DEFAULT_SESSION_NAME}. */
  readonly sessionName: string;
  /** `aws_external_id` (`ExternalId`); default none. */
  readonly externalId?: string;
  /**
   * `aws_web_identity_token`: when set, the role is assumed with `AssumeRoleWithWebIdentity`
   * (OIDC) instead of `AssumeRole`, and no base credentials are used. Default none.
   */
  readonly webIdentityToken?: string;
  /**
   * `aws_sts_endpoint`: the STS endpoint (e.g. a VPC endpoint, or a fake in tests); default the
   * SDK's regional STS endpoint for the region.
   */
  readonly stsEndpoint?: string;
}

/** Everything the Bedrock adapter reads from a deployment, resolved. */
export interface BedrockSettings {
  /** The Converse `modelId`: a model id, an inference profile id (`us.…`, `eu.…`, `apac.…`) or an ARN. */
  readonly modelId: string;
  /** `aws_region_name`, else `region_name`, else `AWS_REGION` / `AWS_DEFAULT_REGION`, else {@link BEDROCK_DEFAULT_REGION}. */
  readonly region: string;
  /** `aws_bedrock_runtime_endpoint`, else `api_base`; default the SDK's regional endpoint. */
  readonly endpoint?: string;
  readonly credentials: BedrockCredentialSource;
  /** Set when `aws_role_name` is given. */
  readonly role?: BedrockRole;
  /** Every secret value of the settings, for scrubbing messages. */
  readonly secrets: readonly string[];
}

/** Route prefixes LiteLLM accepts after `bedrock/` that are not part of the model id. */
const ROUTE_PREFIXES = ['converse/', 'invoke/'];

function str(settings: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = settings[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The Converse model id of `bedrock/<modelId>`: `converse/` (and `invoke/`: Switchyard always
 * speaks Converse) is stripped; inference profile ids and ARNs are used as they are.
 */
export function bedrockModelId(model: string): string {
  for (const p of ROUTE_PREFIXES) if (model.startsWith(p)) return model.slice(p.length);
  return model;
}

/** Resolves a deployment's Bedrock settings from `providerSettings` (and `api_key` / `api_base`). */
export function resolveBedrockSettings(d: Deployment, env: NodeJS.ProcessEnv = process.env): BedrockSettings {
  const s = d.providerSettings;
  const region = str(s, 'aws_region_name') ?? str(s, 'region_name') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? BEDROCK_DEFAULT_REGION;
  const endpoint = str(s, 'aws_bedrock_runtime_endpoint') ?? d.apiBase;
  const accessKeyId = str(s, 'aws_access_key_id');
  const secretAccessKey = str(s, 'aws_secret_access_key');
  const sessionToken = str(s, 'aws_session_token');
  const profile = str(s, 'aws_profile_name');
  const secrets: string[] = [];
  let credentials: BedrockCredentialSource;
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    credentials = { kind: 'static', accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
    secrets.push(secretAccessKey);
    if (sessionToken !== undefined) secrets.push(sessionToken);
  } else if (accessKeyId !== undefined || secretAccessKey !== undefined) {
    credentials = { kind: 'invalid', reason: 'aws_access_key_id and aws_secret_access_key must be given together' };
  } else if (profile !== undefined) {
    credentials = { kind: 'profile', profile };
  } else if (d.apiKey) {
    credentials = { kind: 'bearer', token: d.apiKey };
    secrets.push(d.apiKey);
  } else {
    credentials = { kind: 'default' };
  }
  const roleArn = str(s, 'aws_role_name');
  let role: BedrockRole | undefined;
  if (roleArn !== undefined) {
    const externalId = str(s, 'aws_external_id');
    const webIdentityToken = str(s, 'aws_web_identity_token');
    const stsEndpoint = str(s, 'aws_sts_endpoint');
    if (webIdentityToken !== undefined) secrets.push(webIdentityToken);
    role = {
      roleArn,
      sessionName: str(s, 'aws_session_name') ?? BEDROCK_DEFAULT_SESSION_NAME,
      ...(externalId !== undefined ? { externalId } : {}),
      ...(webIdentityToken !== undefined ? { webIdentityToken } : {}),
      ...(stsEndpoint !== undefined ? { stsEndpoint } : {}),
    };
  }
  return {
    modelId: bedrockModelId(d.model),
    region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    credentials,
    ...(role ? { role } : {}),
    // extra-header values may be credentials too (8 characters or more, as scrubSecrets takes them)
    secrets: [...secrets.filter((x) => x.length >= 4), ...Object.values(d.extraHeaders ?? {}).filter((v) => v.length >= 8)],
  };
}

/** Replaces every secret of the settings in a text. */
export function scrubBedrockSecrets(settings: Pick<BedrockSettings, 'secrets'>, text: string): string {
  let out = text;
  for (const secret of settings.secrets) out = out.split(secret).join('[redacted]');
  return out;
}
