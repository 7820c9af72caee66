import { isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { PathSegment } from './path.js';
import type { ConfigIssue } from './types.js';

/** A parsed YAML document: its plain value and a way to find where a path sits in the text. */
export interface YamlSource {
  readonly value: unknown;
  /** Character offset of the deepest existing node along `path` (-1 for the root). */
  offsetOf(path: readonly PathSegment[]): number;
}

/** The outcome of {@link readYaml}: the document, or the one syntax problem that stopped it. */
export type YamlResult = { readonly ok: true; readonly source: YamlSource } | { readonly ok: false; readonly issue: ConfigIssue };

/** Friendlier wording for yaml error codes whose own message is about the library. */
const FRIENDLY: Readonly<Record<string, string>> = {
  MULTIPLE_DOCS: 'the file holds several YAML documents (---); a config is a single document',
  DUPLICATE_KEY: 'duplicate key: each key may appear only once in a mapping',
  TAB_AS_INDENT: 'tabs are not allowed for indentation; use spaces',
};

/**
 * Parses YAML text (YAML 1.2 core schema, `<<` merge keys allowed, as PyYAML configs use them).
 * A syntax error becomes an issue whose path is `<line>:<col>`; its message is the parser's
 * first sentence without the quoted source line, so literal secrets never leak into it.
 */
export function readYaml(text: string): YamlResult {
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const path = pos ? `${pos.line}:${pos.col}` : '1:1';
    const reason = FRIENDLY[first.code] ?? firstSentence(first.message);
    return { ok: false, issue: { path, message: `YAML syntax error: ${reason}` } };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // toJS throws e.g. for unresolved aliases; the message names the alias, never a value.
    const reason = err instanceof Error ? firstSentence(err.message) : 'unreadable document';
    return { ok: false, issue: { path: '1:1', message: `YAML error: ${reason}` } };
  }
  return { ok: true, source: { value, offsetOf: (path) => offsetOf(doc, path) } };
}

function firstSentence(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?\s*$/, '').trim();
}

function offsetOf(doc: Document, path: readonly PathSegment[]): number {
  let node: unknown = doc.contents;
  let best = -1;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const start = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (start !== undefined) best = start;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!item) break;
      const start = isScalar(item) || isMap(item) || isSeq(item) ? item.range?.[0] : undefined;
      if (start !== undefined) best = start;
      node = item;
    } else {
      break;
    }
  }
  return best;
}
