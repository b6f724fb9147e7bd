import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { QueryData } from '../api/types'
import type { DisplayStep } from '../state/chatModel'
import { ToolTimeline } from './ToolTimeline'

const SQL = 'SELECT COUNT(*) AS n FROM customers'
const result = (columns: string[], rows: unknown[][]): QueryData => ({
  call_id: 'c1', name: 'run_query', sql: SQL, columns, rows, row_count: rows.length, truncated: false, chart: null,
})
const step = (over: Partial<DisplayStep> = {}): DisplayStep => ({
  call_id: 'c1', name: 'run_query', arguments: { sql: SQL }, message: 'Running SQL query',
  output: 'summary: 1 row', data: result(['n'], [[42]]), is_error: false, duration_ms: 37, done: true, ...over,
})

describe('ToolTimeline', () => {
  it('shows each step with name, message, highlighted SQL, duration and a compact result preview', () => {
    const { container } = render(<ToolTimeline steps={[step()]} />)
    const item = screen.getByTestId('tool-step')
    expect(within(item).getByTestId('tool-name')).toHaveTextContent('run_query')
    expect(item).toHaveTextContent('Running SQL query')
    expect(within(item).getByTestId('tool-duration')).toHaveTextContent('37 ms')
    expect(container.querySelector('.language-sql .hljs-keyword')).not.toBeNull()
    expect(within(item).getByTestId('preview-size')).toHaveTextContent('1 row × 1 column')
    expect(within(item).getByRole('cell')).toHaveTextContent('42')
    expect(within(item).queryByTestId('result-table')).toBeNull() // the full table belongs to the answer
  })

  it('shows a running step with a spinner and no result yet', () => {
    render(<ToolTimeline steps={[step({ done: false, output: undefined, data: undefined })]} />)
    expect(screen.getByRole('status', { name: 'Running' })).toBeInTheDocument()
    expect(screen.queryByTestId('result-preview')).toBeNull()
  })

  it('previews the first 3 rows of a long result, with its size', () => {
    const rows = Array.from({ length: 12 }, (_, i) => [`c${i}`, i * 1000.5, i])
    render(<ToolTimeline steps={[step({ data: result(['name', 'revenue', 'n'], rows) })]} />)
    expect(screen.getByTestId('preview-size')).toHaveTextContent('12 rows × 3 columns')
    expect(within(screen.getByTestId('result-preview')).getAllByRole('row')).toHaveLength(4) // header + 3
  })

  it('shows the SQL and preview from a data event when the tool output is only a summary', () => {
    const data = { call_id: 'c1', name: 'run_query', sql: 'SELECT country FROM customers', columns: ['country'], rows: [['DE'], ['FR']], row_count: 2, truncated: false, chart: null }
    render(<ToolTimeline steps={[step({ arguments: {}, output: 'summary: 2 rows', data })]} />)
    expect(screen.getByTestId('code-block')).toHaveTextContent('SELECT country FROM customers')
    expect(screen.getByTestId('preview-size')).toHaveTextContent('2 rows × 1 column')
  })

  it('shows a failed step with its error output', () => {
    render(<ToolTimeline steps={[step({ is_error: true, output: 'no such table: x', data: undefined })]} />)
    expect(screen.getByTestId('tool-step')).toHaveAttribute('data-state', 'error')
    expect(screen.getByText('no such table: x')).toBeInTheDocument()
  })

  it('shows non-tabular output in a collapsed details block', () => {
    render(<ToolTimeline steps={[step({ name: 'list_tables', arguments: {}, output: { tables: ['customers'] }, data: undefined })]} />)
    expect(screen.getByText('Output')).toBeInTheDocument()
    expect(screen.queryByTestId('result-preview')).toBeNull()
  })
})
