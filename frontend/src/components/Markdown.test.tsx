import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { AssistantMessageView } from './AssistantMessageView'
import { pendingAnswer } from '../state/chatModel'

const answer = (text: string) => ({ ...pendingAnswer('q'), status: 'completed' as const, text })

describe('answer Markdown', () => {
  it('renders GFM tables', () => {
    render(<AssistantMessageView answer={answer('| a | b |\n|---|---|\n| 1 | 2 |')} live={false} onRetry={() => {}} />)
    const table = screen.getByRole('table')
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['a', 'b'])
  })

  it('renders fenced code highlighted, with its language and a copy button', () => {
    const { container } = render(
      <AssistantMessageView answer={answer('Query:\n\n```sql\nSELECT count(*) FROM customers;\n```')} live={false} onRetry={() => {}} />,
    )
    const block = screen.getByTestId('code-block')
    expect(block).toHaveTextContent('SELECT count(*) FROM customers;')
    expect(within(block).getByText('sql')).toBeInTheDocument()
    expect(container.querySelector('.hljs-keyword')?.textContent).toBe('SELECT')
    expect(within(block).getByRole('button', { name: 'Copy code' })).toBeInTheDocument()
  })

  it('escapes raw HTML instead of rendering it', () => {
    const { container } = render(<AssistantMessageView answer={answer('<img src=x onerror=alert(1)>')} live={false} onRetry={() => {}} />)
    expect(container.querySelector('img')).toBeNull()
  })

  it('announces only the live answer politely', () => {
    render(<AssistantMessageView answer={{ ...answer('partial'), status: 'streaming' }} live onRetry={() => {}} />)
    expect(screen.getByTestId('answer-text')).toHaveAttribute('aria-live', 'polite')
  })

  it('marks a stopped answer as Stopped and keeps its text', () => {
    render(<AssistantMessageView answer={{ ...answer('half'), status: 'cancelled' }} live={false} onRetry={() => {}} />)
    expect(screen.getByTestId('answer-status')).toHaveTextContent('Stopped')
    expect(screen.getByTestId('answer-text')).toHaveTextContent('half')
  })
})
