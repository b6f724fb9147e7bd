import { useMemo, useState } from 'react'
import { columnFormatters } from '../lib/numberFormat'
import type { QueryResult } from '../lib/queryResult'
import { sortRows, type SortDirection } from '../lib/rowSort'
import { Pager } from './Pager'
import { TableCell } from './TableCell'

export const PAGE_SIZE = 10

/** A query result as a table, a page at a time; click a column header to sort (again to reverse). */
export function ResultTable({ result, pageSize = PAGE_SIZE }: { result: QueryResult; pageSize?: number }) {
  const [sort, setSort] = useState<{ column: number; direction: SortDirection } | null>(null)
  const [page, setPage] = useState(0)
  const formats = useMemo(() => columnFormatters(result), [result])
  const rows = useMemo(
    () => (sort ? sortRows(result.rows, sort.column, sort.direction) : result.rows),
    [result.rows, sort],
  )
  const pages = Math.max(1, Math.ceil(rows.length / pageSize))
  const current = Math.min(page, pages - 1)
  const visible = rows.slice(current * pageSize, (current + 1) * pageSize)
  const toggle = (column: number) => {
    setPage(0)
    setSort((s) =>
      s?.column === column
        ? { column, direction: s.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: 'ascending' },
    )
  }
  return (
    <div className="result-table" data-testid="result-table">
      <div className="result-table__scroll">
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
            {visible.map((row, r) => (
              <tr key={current * pageSize + r}>
                {row.map((cell, i) => (
                  <TableCell key={i} cell={cell} format={formats[i]} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 && <Pager page={current} pages={pages} pageSize={pageSize} total={rows.length} onPage={setPage} />}
    </div>
  )
}
