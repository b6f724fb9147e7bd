import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import type { QueryResult } from '../lib/queryResult'
import { ResultView } from './ResultView'

const result: QueryResult = {
  columns: ['country', 'customers'],
  rows: [['Germany', 12], ['Brazil', 30], ['France', 7]],
  rowCount: 3,
  truncated: false,
}

const column = (i: number) =>
  within(screen.getByTestId('result-table')).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell')[i].textContent)

describe('ResultView', () => {
  it('sorts by a column on header click, then reverses', async () => {
    const user = userEvent.setup()
    render(<ResultView result={result} name="r" />)
    const header = screen.getByRole('button', { name: /customers/ })
    await user.click(header)
    expect(column(1)).toEqual(['7', '12', '30'])
    expect(screen.getAllByRole('columnheader')[1]).toHaveAttribute('aria-sort', 'ascending')
    await user.click(header)
    expect(column(1)).toEqual(['30', '12', '7'])
  })

  it('downloads the rows as CSV', async () => {
    const user = userEvent.setup()
    const blobs: Blob[] = []
    URL.createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b)
      return 'blob:x'
    })
    URL.revokeObjectURL = vi.fn()
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    render(<ResultView result={result} name="r" />)
    await user.click(screen.getByTestId('csv-download'))
    expect(click).toHaveBeenCalled()
    expect(await blobs[0].text()).toBe('country,customers\r\nGermany,12\r\nBrazil,30\r\nFrance,7\r\n')
  })

  it('offers table / bar / line only when the data suits a chart', () => {
    const { unmount } = render(<ResultView result={result} name="r" />)
    expect(screen.getByTestId('view-bar')).toBeInTheDocument()
    expect(screen.getByTestId('view-table')).toHaveAttribute('aria-pressed', 'true')
    unmount()
    render(<ResultView result={{ ...result, columns: ['n'], rows: [[1]] }} name="r" />)
    expect(screen.queryByTestId('view-bar')).toBeNull()
  })
})
