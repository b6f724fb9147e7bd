import type { CellFormatter } from '../lib/numberFormat'
import type { Cell } from '../lib/queryResult'

/** One result cell: numbers right-aligned in the column's shared format, NULL marked as such. */
export function TableCell({ cell, format }: { cell: Cell; format: CellFormatter }) {
  return (
    <td className={typeof cell === 'number' ? 'num' : undefined}>
      {cell === null ? <span className="null">NULL</span> : format(cell)}
    </td>
  )
}
