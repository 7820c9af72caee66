/** Where a finding sits in the config document, as keys and list indexes. */
export type PathSegment = string | number;

/** Path shown for problems with the document as a whole. */
export const ROOT_PATH = '(root)';

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Renders a path the way users read it: `model_list[1].litellm_params.rpm`. Keys that are not
 * plain identifiers (`gpt-5.2`) are bracketed and quoted: `fallbacks[0]["gpt-5.2"]`.
 * The empty path renders as {@link ROOT_PATH}.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? ROOT_PATH : out;
}

/** A plain mapping as produced by the YAML parser (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `segments` inside `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isMapping(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}
