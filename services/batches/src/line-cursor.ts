import { readLines, type FileLine, type FileStore, type LinePosition } from '@switchyard/core';

/**
 * A read position in one input file that stays open between feeding steps, so feeding a few
 * lines does not re-read their chunk each time. It follows the durable position: when that
 * moved elsewhere (another feeder, a restart), it reopens there.
 */
export class LineCursor {
  private iter: AsyncGenerator<FileLine> | undefined;
  private at: LinePosition | undefined;

  constructor(
    private readonly files: FileStore,
    private readonly fileId: string,
  ) {}

  /**
   * Up to `max` non-blank lines from `from`; `end` is the position after the last line read
   * (or after the blank lines skipped), `eof` whether the file ended.
   */
  async take(from: LinePosition, max: number): Promise<{ lines: FileLine[]; end: LinePosition; eof: boolean }> {
    if (!this.iter || !this.at || this.at.offset !== from.offset) {
      await this.iter?.return(undefined);
      this.iter = readLines((c) => this.files.chunks(this.fileId, c), from);
    }
    const lines: FileLine[] = [];
    let end = from;
    let eof = false;
    while (lines.length < max) {
      const r = await this.iter.next();
      if (r.done) {
        eof = true;
        break;
      }
      end = { offset: r.value.next, line: r.value.line + 1 };
      if (r.value.text.trim() !== '') lines.push(r.value);
    }
    this.at = end;
    if (eof) await this.close();
    return { lines, end, eof };
  }

  /** One line at a known position (a resubmission after a restart). */
  async lineAt(at: LinePosition): Promise<FileLine | undefined> {
    const it = readLines((c) => this.files.chunks(this.fileId, c), at);
    const r = await it.next();
    await it.return(undefined);
    return r.done ? undefined : r.value;
  }

  async close(): Promise<void> {
    await this.iter?.return(undefined);
    this.iter = undefined;
    this.at = undefined;
  }
}
