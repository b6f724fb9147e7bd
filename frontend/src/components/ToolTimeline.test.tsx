import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { ToolStep } from '../state/chatModel'
import { ToolTimeline } from './ToolTimeline'

const step = (over: Partial<ToolStep> = {}): ToolStep => ({
  call_id: 'c1', name: 'run_query', arguments: { sql: 'SELECT COUNT(*) AS n FROM customers' }, message: 'Running SQL query',
  output: { columns: ['n'], rows: [[42]], row_count: 1, truncated: false }, is_error: false, duration_ms: 37, done: true, ...over,
})

describe('ToolTimeline', () => {
  it('shows each step with name, message, highlighted SQL, duration and result table', () => {
    const { container } = render(<ToolTimeline steps={[step()]} />)
    const item = screen.getByTestId('tool-step')
    expect(within(item).getByTestId('tool-name')).toHaveTextContent('run_query')
    expect(item).toHaveTextContent('Running SQL query')
    expect(within(item).getByTestId('tool-duration')).toHaveTextContent('37 ms')
    expect(container.querySelector('.language-sql .hljs-keyword')).not.toBeNull()
    expect(within(screen.getByTestId('result-table')).getByRole('cell')).toHaveTextContent('42')
  })

  it('shows a running step with a spinner and no result yet', () => {
    render(<ToolTimeline steps={[step({ done: false, output: undefined })]} />)
    expect(screen.getByRole('status', { name: 'Running' })).toBeInTheDocument()
    expect(screen.queryByTestId('result-table')).toBeNull()
  })

  it('shows a failed step with its error output', () => {
    render(<ToolTimeline steps={[step({ is_error: true, output: 'no such table: x' })]} />)
    expect(screen.getByTestId('tool-step')).toHaveAttribute('data-state', 'error')
    expect(screen.getByText('no such table: x')).toBeInTheDocument()
  })

  it('shows non-tabular output in a collapsed details block', () => {
    render(<ToolTimeline steps={[step({ name: 'list_tables', arguments: {}, output: { tables: ['customers'] } })]} />)
    expect(screen.getByText('Output')).toBeInTheDocument()
    expect(screen.queryByTestId('result-table')).toBeNull()
  })
})
