/** Test support: a fresh service-account key (the JSON a key file holds) and its trusted public half. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { TrustedServiceAccount } from './jwt.js';

/** A generated service account. `json` holds a private key: test use only. */
export interface GeneratedServiceAccount {
  /** The key file's JSON, as Google issues it (`type: "service_account"`, `private_key`, `token_uri`…). */
  json: Record<string, string>;
  /** What the fake needs to trust it. */
  trusted: TrustedServiceAccount;
}

/** Generates an RSA-2048 service account (`email` default `switchyard-test@<project>.iam.gserviceaccount.com`, `projectId` default `switchyard-test`). */
export function generateServiceAccount(opts: { email?: string; projectId?: string; tokenUri?: string } = {}): GeneratedServiceAccount {
  const projectId = opts.projectId ?? 'switchyard-test';
  const email = opts.email ?? `switchyard-test@${projectId}.iam.gserviceaccount.com`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomBytes(20).toString('hex');
  return {
    json: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: '100000000000000000000',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: opts.tokenUri ?? 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      universe_domain: 'googleapis.com',
    },
    trusted: { clientEmail: email, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId },
  };
}
