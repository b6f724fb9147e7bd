import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { QueryData } from '../api/types'
import { pendingAnswer, type AssistantMessage, type DisplayStep } from '../state/chatModel'
import { AssistantMessageView } from './AssistantMessageView'

const rows = Array.from({ length: 24 }, (_, i) => [`2024-${String(i + 1).padStart(2, '0')}`, 165350.4 + i])
const data: QueryData = { call_id: 'c1', name: 'run_query', sql: 'SELECT month, revenue FROM m', columns: ['month', 'revenue'], rows, row_count: 24, truncated: false, chart: { kind: 'line', x: 'month', y: ['revenue'] } }
const table = '| month | revenue |\n| --- | ---: |\n' + rows.map(([m, r]) => `| ${m} | ${r} |`).join('\n')

function answer(step: Partial<DisplayStep>, text = `Revenue per month:\n\n${table}\n\nDone.`): AssistantMessage {
  const tool: DisplayStep = { call_id: 'c1', name: 'run_query', arguments: { sql: data.sql }, message: '', is_error: false, duration_ms: 4, done: true, ...step }
  return { ...pendingAnswer('q'), status: 'completed', text, tools: [tool] }
}

const view = (a: AssistantMessage) => render(<AssistantMessageView answer={a} live={false} onRetry={() => {}} />)

describe('AssistantMessageView', () => {
  it('shows a result once: a preview in the step, the table in the answer where the model put it', () => {
    view(answer({ output: '24 rows (summary)', data }))
    expect(screen.getAllByTestId('result-table')).toHaveLength(1)
    const text = screen.getByTestId('answer-text')
    expect(within(text).getByTestId('result-table')).toBeInTheDocument()
    expect(text.querySelector('.md-table')).toBeNull()
    expect(text).toHaveTextContent(/^Revenue per month:.*Done\.$/)
  })

  it('formats numbers the same in the preview and in the table', () => {
    view(answer({ data }))
    const preview = within(screen.getByTestId('result-preview')).getAllByRole('cell').map((c) => c.textContent)
    const full = within(screen.getByTestId('result-table')).getAllByRole('cell').map((c) => c.textContent)
    expect(preview.slice(0, 2)).toEqual(['2024-01', '165,350.40'])
    expect(full.slice(0, 2)).toEqual(preview.slice(0, 2))
  })

  it('without a data event shows no result table (a tool output is only what the model was given)', () => {
    view(answer({ output: { columns: data.columns, rows, row_count: 24, truncated: false } }))
    expect(screen.queryByTestId('result-table')).toBeNull()
  })

  it('shows a result the text does not restate after the text', () => {
    view(answer({ data }, 'Revenue grew all year.'))
    const results = screen.getAllByTestId('result-view')
    expect(results).toHaveLength(1)
    expect(screen.getByTestId('answer-text')).not.toContainElement(results[0])
  })

  it('paginates a long result instead of growing the page', async () => {
    const user = userEvent.setup()
    view(answer({ data }))
    const tableEl = screen.getByTestId('result-table')
    expect(within(tableEl).getAllByRole('row')).toHaveLength(11) // header + 10
    expect(screen.getByTestId('page-where')).toHaveTextContent('Rows 1–10 of 24')
    await user.click(screen.getByTestId('page-next'))
    await user.click(screen.getByTestId('page-next'))
    expect(screen.getByTestId('page-where')).toHaveTextContent('Rows 21–24 of 24')
    expect(screen.getByTestId('page-next')).toBeDisabled()
  })

  it('offers the chart the server suggested', () => {
    view(answer({ data }))
    expect(screen.getByTestId('view-line')).toBeInTheDocument()
  })

  it('shows the workflow progress while the answer is live', () => {
    const live: AssistantMessage = { ...pendingAnswer('q'), status: 'streaming', progress: { stage: 'exploring_schema', step: 2, total: 5, elapsed_ms: 412, message: 'Exploring the schema' } }
    render(<AssistantMessageView answer={live} live onRetry={() => {}} />)
    expect(screen.getByTestId('progress-message')).toHaveTextContent('Step 2 of 5 · Exploring the schema · 0.4 s')
    expect(screen.getByText('Explore schema')).toHaveAttribute('aria-current', 'step')
  })
})
