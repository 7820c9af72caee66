import { readFile } from 'node:fs/promises';
import { GoogleAuth, JWT, type AuthClient } from 'google-auth-library';
import { UpstreamError } from '../upstream-error.js';
import { TokenCache, type TimedToken, type TokenCacheOptions } from './token-cache.js';

/** The OAuth scope Vertex AI calls need. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * What a Vertex adapter needs from authentication: the `Authorization` header value
 * (`Bearer …`), cached and refreshed before expiry. Shared by the Gemini and Claude-on-Vertex
 * adapters.
 */
export interface VertexAuth {
  /** The `Authorization` header value. Rejects with an `auth` {@link UpstreamError}. */
  authorization(): Promise<string>;
  /** The project of the credentials (service-account `project_id`, ADC project), if known. */
  projectId(): Promise<string | undefined>;
}

/** Options of {@link createVertexAuth}. */
export interface VertexAuthOptions extends TokenCacheOptions {
  /** OAuth scopes. Default [{@link CLOUD_PLATFORM_SCOPE}]. */
  scopes?: readonly string[];
}

/** A parsed credentials JSON (service account, authorized user, external account…). */
type CredentialsJson = Record<string, unknown>;

/**
 * Reads `vertex_credentials`: an object (YAML mapping), a JSON string (`{…}`, e.g. from
 * `os.environ/…`) or a path to a JSON key file. Error messages never contain the value.
 */
export async function loadVertexCredentials(value: unknown): Promise<CredentialsJson | undefined> {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as CredentialsJson;
  if (typeof value !== 'string') throw new UpstreamError('auth', 'vertex_credentials must be a JSON string, an object or a file path');
  const text = value.trim();
  let json: string;
  if (text.startsWith('{')) json = text;
  else {
    try {
      json = await readFile(text, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      throw new UpstreamError('auth', `vertex_credentials: the key file cannot be read (${code})`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UpstreamError('auth', 'vertex_credentials is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UpstreamError('auth', 'vertex_credentials must be a JSON object');
  return parsed as CredentialsJson;
}

/** The `exp` claim (unix ms) of a JWT, if the token is one. */
function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Lifetime assumed for a token whose expiry is unknown. */
const UNKNOWN_EXPIRY_MS = 10 * 60_000;

/**
 * google-auth-library auth: for a service-account key, the library's `JWT` client with
 * self-signed JWT access (`useJWTAccessWithScope`, no token exchange: Google APIs accept an
 * RS256 JWT signed by the key with the `cloud-platform` scope as the bearer); for any other
 * credentials JSON (authorized user, external account) or none (Application Default
 * Credentials: `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's ADC file, the metadata server)
 * `GoogleAuth`, where a service-account ADC file also gets self-signed JWT access. Tokens are
 * cached by a {@link TokenCache} (refresh 5 minutes before expiry, one fetch shared by
 * concurrent calls).
 */
class GoogleVertexAuth implements VertexAuth {
  private readonly cache: TokenCache;
  private client: Promise<{ client: AuthClient; auth?: GoogleAuth; projectId?: string }> | undefined;

  constructor(
    private readonly credentials: unknown,
    private readonly scopes: string[],
    opts: TokenCacheOptions,
  ) {
    this.cache = new TokenCache(() => this.fetchToken(), opts);
  }

  /** Token fetches so far (tests, diagnostics). */
  get fetches(): number {
    return this.cache.fetches;
  }

  authorization(): Promise<string> {
    return this.cache.get();
  }

  async projectId(): Promise<string | undefined> {
    const c = await this.getClient();
    if (c.projectId) return c.projectId;
    try {
      return (await c.auth?.getProjectId()) ?? undefined;
    } catch {
      return undefined;
    }
  }

  private getClient(): Promise<{ client: AuthClient; auth?: GoogleAuth; projectId?: string }> {
    this.client ??= this.makeClient().catch((err: unknown) => {
      this.client = undefined;
      throw err;
    });
    return this.client;
  }

  private async makeClient(): Promise<{ client: AuthClient; auth?: GoogleAuth; projectId?: string }> {
    const creds = await loadVertexCredentials(this.credentials);
    const projectId = typeof creds?.project_id === 'string' ? creds.project_id : undefined;
    if (creds?.type === 'service_account') {
      if (typeof creds.client_email !== 'string' || typeof creds.private_key !== 'string') {
        throw new UpstreamError('auth', 'vertex_credentials: a service-account key needs client_email and private_key');
      }
      const jwt = new JWT({
        email: creds.client_email,
        key: creds.private_key,
        ...(typeof creds.private_key_id === 'string' ? { keyId: creds.private_key_id } : {}),
        scopes: this.scopes,
      });
      jwt.useJWTAccessWithScope = true;
      return { client: jwt, ...(projectId ? { projectId } : {}) };
    }
    const auth = new GoogleAuth({ scopes: this.scopes, ...(creds ? { credentials: creds } : {}) });
    let client: AuthClient;
    try {
      client = await auth.getClient();
    } catch (err) {
      throw new UpstreamError('auth', `Google credentials unavailable: ${safeMessage(err)}`);
    }
    if (client instanceof JWT) client.useJWTAccessWithScope = true;
    return { client, auth, ...(projectId ? { projectId } : {}) };
  }

  private async fetchToken(): Promise<TimedToken> {
    const { client } = await this.getClient();
    let header: string | null;
    try {
      header = (await client.getRequestHeaders()).get('authorization');
    } catch (err) {
      throw new UpstreamError('auth', `Google token request failed: ${safeMessage(err)}`);
    }
    if (!header) throw new UpstreamError('auth', 'Google credentials produced no authorization header');
    const token = header.replace(/^Bearer\s+/i, '');
    const expiry = jwtExpiryMs(token) ?? (client as { credentials?: { expiry_date?: number | null } }).credentials?.expiry_date ?? Date.now() + UNKNOWN_EXPIRY_MS;
    return { value: header, expiresAtMs: expiry };
  }
}

/** An error's message without anything that looks like a token or key. */
function safeMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg
    .replace(/-----BEGIN[^]*?-----END[^-]*-----/g, '[redacted key]')
    .replace(/\b(ya29\.|eyJ)[\w.-]+/g, '[redacted]')
    .slice(0, 500);
}

/**
 * Creates the auth of a Vertex deployment from its provider settings: `vertex_credentials`
 * (service-account JSON file path, or the JSON itself), else Application Default Credentials.
 * Nothing is read until the first call.
 */
export function createVertexAuth(providerSettings: Readonly<Record<string, unknown>>, opts: VertexAuthOptions = {}): VertexAuth & { readonly fetches: number } {
  const { scopes, ...cacheOpts } = opts;
  return new GoogleVertexAuth(providerSettings.vertex_credentials, [...(scopes ?? [CLOUD_PLATFORM_SCOPE])], cacheOpts);
}
