import { useMemo, useState } from 'react'
import type { QueryResult } from '../lib/queryResult'
import { sortRows, type SortDirection } from '../lib/rowSort'

/** A query result as a table; click a column header to sort (again to reverse). */
export function ResultTable({ result }: { result: QueryResult }) {
  const [sort, setSort] = useState<{ column: number; direction: SortDirection } | null>(null)
  const rows = useMemo(
    () => (sort ? sortRows(result.rows, sort.column, sort.direction) : result.rows),
    [result.rows, sort],
  )
  const toggle = (column: number) =>
    setSort((s) =>
      s?.column === column
        ? { column, direction: s.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: 'ascending' },
    )
  return (
    <div className="result-table" data-testid="result-table">
      <table>
        <thead>
          <tr>
            {result.columns.map((c, i) => (
              <th key={i} scope="col" aria-sort={sort?.column === i ? sort.direction : 'none'}>
                <button type="button" onClick={() => toggle(i)} className="th-button">
                  {c}
                  <span aria-hidden="true" className="sort-mark">
                    {sort?.column === i ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, i) => (
                <td key={i} className={typeof cell === 'number' ? 'num' : undefined}>
                  {cell === null ? <span className="null">NULL</span> : String(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
