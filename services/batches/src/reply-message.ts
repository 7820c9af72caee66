import { forEachReplyFrame, hashToRecord, type JobRecord } from '@switchyard/core';

/**
 * Parses a terminal-record announcement on a reply channel (`<id>\trec\t<record hash as a JSON
 * array>`, see `announce` in the job-store Lua). Undefined for anything else (stream chunks,
 * unreadable messages). The Lua publishes each record in a message of its own (only a worker's
 * stream relay packs frames), so the first `rec` frame is the message's only one.
 */
export function parseRecordMessage(message: string): JobRecord | undefined {
  let data: string | undefined;
  forEachReplyFrame(message, (_id, kind, d) => {
    if (kind === 'rec') data ??= d;
  });
  if (data === undefined) return undefined;
  try {
    const flat = JSON.parse(data) as unknown;
    if (!Array.isArray(flat)) return undefined;
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
    return hashToRecord(hash) ?? undefined;
  } catch {
    return undefined;
  }
}
