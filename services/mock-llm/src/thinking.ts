/**
 * Claude's extended thinking in the fakes (Anthropic, and Claude on Bedrock): the thinking text
 * they "produce", the signature they sign it with, and the check of blocks sent back. Claude's
 * signatures are opaque and verified by the API; the fakes' are an HMAC of the thinking text
 * under a per-process key, so a block that was changed, or never came from this process, is
 * refused as the API refuses it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY = randomBytes(32);

function mac(text: string): Buffer {
  return createHmac('sha256', KEY).update(text).digest();
}

/** The signature of a thinking text (base64). */
export function signThinking(text: string): string {
  return mac(`thinking:${text}`).toString('base64');
}

/** An opaque `redacted_thinking` payload (base64) that {@link validRedactedData} accepts. */
export function redactedData(): string {
  const nonce = randomBytes(24).toString('base64');
  return Buffer.from(`${nonce}.${mac(`redacted:${nonce}`).toString('base64')}`).toString('base64');
}

/** Compares the base64 text as sent: a signature with anything added or changed is not the same. */
function sameMac(given: string, expected: Buffer): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected.toString('base64'));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `signature` is this fake's signature of `text`. */
export function validSignature(text: string, signature: string): boolean {
  return sameMac(signature, mac(`thinking:${text}`));
}

/** Whether `data` is a redacted payload this fake issued. */
export function validRedactedData(data: string): boolean {
  const [nonce, tag] = Buffer.from(data, 'base64').toString().split('.');
  return nonce !== undefined && tag !== undefined && sameMac(tag, mac(`redacted:${nonce}`));
}

/** The thinking text of an answer to `prompt`: a few words about it. */
export function thinkingText(prompt: string): string {
  const words = prompt.trim().split(/\s+/).filter(Boolean).slice(0, 8).join(' ');
  return words === '' ? 'The user sent no text. I will answer briefly.' : `The user wrote: ${words}. I will answer briefly.`;
}
