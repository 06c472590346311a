/** The report model and its two renderings: aligned text for the terminal, markdown for bench/RESULTS.md. */

export type Verdict = 'PASS' | 'MISS';

export interface Row {
  readonly figure: string;
  /** The emulator's median. */
  readonly value: string;
  readonly reference?: string;
  readonly ratio?: string;
  readonly target?: string;
  readonly verdict?: Verdict;
}

/** A free-form table shown before a section's rows (the throughput figures of every target). */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

export interface Section {
  readonly title: string;
  /** How the summary names the section. */
  readonly short: string;
  readonly table?: Table;
  readonly rows: readonly Row[];
  /** Paragraphs after the table. */
  readonly notes?: readonly string[];
  /** A preformatted block after the notes (query plans). */
  readonly code?: string;
}

export interface Report {
  readonly title: string;
  /** Lines describing the machine and the settings. */
  readonly preamble: readonly string[];
  readonly sections: readonly Section[];
  readonly method: readonly string[];
}

const COLUMNS = ['figure', 'median', 'reference', 'ratio', 'target', 'result'] as const;
const cells = (row: Row): string[] => [row.figure, row.value, row.reference ?? '', row.ratio ?? '', row.target ?? '', row.verdict ?? ''];

export function misses(report: Report): Array<{ section: string; row: Row }> {
  return report.sections.flatMap((section) => section.rows.filter((row) => row.verdict === 'MISS').map((row) => ({ section: section.short, row })));
}

function missSummary(report: Report): string[] {
  const missed = misses(report);
  const checked = report.sections.reduce((n, s) => n + s.rows.filter((r) => r.verdict).length, 0);
  if (missed.length === 0) return [`All ${checked} targets met.`];
  return [`${checked - missed.length} of ${checked} targets met. Missed:`, ...missed.map(({ section, row }) => `- ${section}: ${row.figure}: ${row.value}${row.ratio ? ` (${row.ratio})` : ''}, target ${row.target}`)];
}

function aligned(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const table = [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

function markdownTable(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`)];
}

export function renderText(report: Report): string {
  const out: string[] = [report.title, '='.repeat(report.title.length), ...report.preamble, ''];
  for (const section of report.sections) {
    out.push(section.title, '-'.repeat(section.title.length));
    if (section.table) out.push(...aligned(section.table.columns, section.table.rows), '');
    if (section.rows.length > 0) out.push(...aligned(COLUMNS, section.rows.map(cells)));
    for (const note of section.notes ?? []) out.push('', note);
    if (section.code) out.push('', section.code);
    out.push('');
  }
  out.push('Summary', '-------', ...missSummary(report), '');
  return out.join('\n');
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderMarkdown(report: Report): string {
  const out: string[] = [`# ${report.title}`, '', ...report.preamble.map((line) => `${line}  `), ''];
  out.push('## Summary', '', ...missSummary(report), '');
  for (const section of report.sections) {
    out.push(`## ${section.title}`, '');
    if (section.table) out.push(...markdownTable(section.table.columns, section.table.rows), '');
    if (section.rows.length > 0) out.push(...markdownTable(COLUMNS, section.rows.map(cells)));
    for (const note of section.notes ?? []) out.push('', note);
    if (section.code) out.push('', '```', section.code, '```');
    out.push('');
  }
  out.push('## Method', '', ...report.method.map((line) => `- ${line}`), '');
  return out.join('\n');
}
