import { downloadText } from './download'
import type { Cell } from './queryResult'

/** RFC 4180 CSV: quote fields containing a comma, quote or line break; double the quotes. */
export function csvField(value: Cell): string {
  if (value === null) return ''
  const s = String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsv(columns: string[], rows: Cell[][]): string {
  return [columns, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}

export function downloadCsv(filename: string, csv: string): void {
  downloadText(csv, filename, 'text/csv;charset=utf-8')
}
