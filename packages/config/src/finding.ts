import { formatPath, type PathSegment } from './path.js';
import type { ConfigIssue } from './types.js';

/** An issue before its path is rendered, so findings can be put in document order. */
export interface Finding {
  readonly at: readonly PathSegment[];
  readonly message: string;
}

/** Renders findings as {@link ConfigIssue}s, ordered by where they sit in the file. */
export function toIssues(findings: readonly Finding[], offsetOf: (path: readonly PathSegment[]) => number): ConfigIssue[] {
  return findings
    .map((f, i) => ({ f, i, pos: offsetOf(f.at) }))
    .sort((a, b) => a.pos - b.pos || a.i - b.i)
    .map(({ f }) => ({ path: formatPath(f.at), message: f.message }));
}
