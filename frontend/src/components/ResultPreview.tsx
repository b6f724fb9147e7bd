import { useMemo } from 'react'
import { columnFormatters } from '../lib/numberFormat'
import type { QueryResult } from '../lib/queryResult'
import { TableCell } from './TableCell'

const PREVIEW_ROWS = 3

function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`
}

/** What a query returned, compactly, inside its tool step: its size and first rows (the answer shows all). */
export function ResultPreview({ result }: { result: QueryResult }) {
  const formats = useMemo(() => columnFormatters(result), [result])
  const rows = result.rows.slice(0, PREVIEW_ROWS)
  return (
    <div className="result-preview" data-testid="result-preview">
      <div className="result-preview__size muted" data-testid="preview-size">
        {plural(result.rowCount, 'row')} × {plural(result.columns.length, 'column')}
        {result.truncated ? ` (first ${result.rows.length.toLocaleString()} received)` : ''}
      </div>
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              {result.columns.map((c, i) => (
                <th key={i} scope="col">{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, i) => (
                  <TableCell key={i} cell={cell} format={formats[i]} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.rows.length > PREVIEW_ROWS && <div className="muted small">…</div>}
    </div>
  )
}
