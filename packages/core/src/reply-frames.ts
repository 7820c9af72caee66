/**
 * The messages of an API instance's reply channel (`channels.reply`). A message holds one or
 * more frames separated by `\n`; a frame is `<job id>\t<kind>\t<data>`:
 * - `rec`: the job's terminal record, as a JSON array of hash fields and values (published by
 *   the job-store Lua, always alone in its message);
 * - `s`: a streamed job's start (deployment, attempts, ...) as JSON, before its first chunk;
 * - `c`: one `chat.completion.chunk` as JSON.
 *
 * A worker relaying streams packs the frames of one event-loop turn into one message per
 * channel. Splitting on `\n` is exact because every frame's data is JSON text as
 * `JSON.stringify` / cjson write it (a newline inside a string is escaped), and job ids are
 * ours (no tab, no newline).
 */

/** Kinds of reply frames. */
export type ReplyFrameKind = 'rec' | 's' | 'c';

/** One frame: `<job id>\t<kind>\t<data>` (data must contain no raw newline). */
export function replyFrame(jobId: string, kind: ReplyFrameKind, data: string): string {
  return `${jobId}\t${kind}\t${data}`;
}

/**
 * Calls `fn` for each frame of a reply-channel message, in order. Frames without both tabs
 * are skipped. Kinds are passed as found (a reader ignores kinds it does not know).
 */
export function forEachReplyFrame(message: string, fn: (jobId: string, kind: string, data: string) => void): void {
  let start = 0;
  while (start < message.length) {
    let end = message.indexOf('\n', start);
    if (end < 0) end = message.length;
    const a = message.indexOf('\t', start);
    const b = a < 0 || a >= end ? -1 : message.indexOf('\t', a + 1);
    if (b >= 0 && b < end) fn(message.slice(start, a), message.slice(a + 1, b), message.slice(b + 1, end));
    start = end + 1;
  }
}
