/** A small table model rendered as aligned text (terminal) or as Markdown. */

/** Column alignment. */
export type Align = 'l' | 'r';

/** A titled table of strings. */
export interface Table {
  title: string;
  headers: string[];
  /** Per column; default left for the first column, right for the rest. */
  align?: Align[];
  rows: string[][];
  /** Lines printed under the table. */
  notes?: string[];
}

function alignOf(t: Table, i: number): Align {
  return t.align?.[i] ?? (i === 0 ? 'l' : 'r');
}

/** Fixed-width text rendering. */
export function renderText(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (alignOf(t, i) === 'l' ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [t.title, line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)];
  for (const n of t.notes ?? []) out.push(`  ${n}`);
  return out.join('\n');
}

/** GitHub-flavoured Markdown rendering (with a `###` title). */
export function renderMarkdown(t: Table): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [
    `### ${t.title}`,
    '',
    `| ${t.headers.map(esc).join(' | ')} |`,
    `|${t.headers.map((_, i) => (alignOf(t, i) === 'l' ? ' --- ' : ' ---: ')).join('|')}|`,
    ...t.rows.map((r) => `| ${t.headers.map((_, i) => esc(r[i] ?? '')).join(' | ')} |`),
  ];
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
