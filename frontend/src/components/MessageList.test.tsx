import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { pendingAnswer, type ChatMessage } from '../state/chatModel'
import { MessageList } from './MessageList'

/** jsdom has no layout: give the scroll container fixed metrics we can move. */
function fakeLayout(el: HTMLElement, scrollHeight: number, clientHeight = 500) {
  Object.defineProperty(el, 'scrollHeight', { configurable: true, value: scrollHeight })
  Object.defineProperty(el, 'clientHeight', { configurable: true, value: clientHeight })
}

const messages = (text: string): ChatMessage[] => [
  { kind: 'user', id: 'u', text: 'q' },
  { ...pendingAnswer('q'), id: 'a', status: 'streaming', text },
]

describe('MessageList follow-scroll', () => {
  it('follows new content, stops when the user scrolls up, and jumps back on request', () => {
    const props = { connection: 'streaming' as const, attempt: 0, loading: false, onRetry: () => {}, empty: null }
    const { rerender } = render(<MessageList messages={messages('a')} {...props} />)
    const list = screen.getByTestId('message-list')
    fakeLayout(list, 2000)
    rerender(<MessageList messages={messages('ab')} {...props} />)
    expect(list.scrollTop).toBe(2000) // followed to the bottom
    expect(screen.queryByTestId('jump-latest')).toBeNull()

    list.scrollTop = 1500 // (clamped in a browser; enough to be "at bottom")
    fireEvent.scroll(list)
    list.scrollTop = 900 // user scrolls up
    fireEvent.scroll(list)
    fakeLayout(list, 2600)
    rerender(<MessageList messages={messages('abc')} {...props} />)
    expect(list.scrollTop).toBe(900) // stays where the user is reading
    fireEvent.click(screen.getByTestId('jump-latest'))
    expect(list.scrollTop).toBe(2600)
    expect(screen.queryByTestId('jump-latest')).toBeNull()
  })
})

describe('MessageList earlier branches', () => {
  const request = (id: string) => ({
    approval_id: id, call_id: `c-${id}`, tool: 'add_task', arguments: {}, message: `Add ${id}?`, expires_at: Date.now() / 1000 + 900, state: 'open' as const,
  })
  const waiting = (id: string) => ({ ...pendingAnswer('q'), id: `a-${id}`, taskId: id, status: 'streaming' as const, approvals: [request(id)] })

  it('offers approval buttons on the live answer only, never on a row of an earlier branch', () => {
    const messages: ChatMessage[] = [
      { kind: 'user', id: 'u', text: 'q', taskId: 'now' },
      { ...waiting('now'), versions: [{ question: 'old q', answer: waiting('old'), tail: [{ kind: 'user', id: 'u2', text: 'later', taskId: 'tail' }, waiting('tail')] }] },
    ]
    render(<MessageList messages={messages} connection="streaming" attempt={0} loading={false} onDecide={async () => null} empty={null} />)
    expect(screen.getAllByRole('button', { name: 'Approve' })).toHaveLength(1)

    fireEvent.click(screen.getByRole('button', { name: 'Previous version' }))
    expect(screen.getByTestId('earlier-branch')).toBeInTheDocument()
    expect(screen.getAllByTestId('approval-card')).toHaveLength(2) // the old answer's and its tail's
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull()
  })
})
