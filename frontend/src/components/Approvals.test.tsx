import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, jsonResponse, pushableStream } from '../test/sseMock'
import { routedFetch } from '../test/routedFetch'
import { App } from './App'

const T = 'task-7'
const S = 'sess-7'
const opening = () =>
  frame({ type: 'session', task_id: T, seq: 0, session_id: S }) +
  frame({ type: 'tool', task_id: T, seq: 1, name: 'add_task', arguments: { title: 'buy milk' }, call_id: 'c1', message: '' }) +
  frame({
    type: 'approval_required', task_id: T, seq: 2, approval_id: 'ap1', call_id: 'c1', tool: 'add_task',
    arguments: { title: 'buy milk' }, message: 'Add the task “buy milk” to your list?', expires_at: Date.now() / 1000 + 900,
  })
const streamed = (body: ReadableStream<Uint8Array>) => new Response(body, { headers: { 'X-Task-ID': T, 'Content-Type': 'text/event-stream' } })

beforeEach(() => {
  window.localStorage.setItem('ai.apiKey', 'good-key')
  Element.prototype.scrollTo = vi.fn()
})

describe('a run that waits for approval', () => {
  it('shows the request, posts the decision, and the resumed run answers on the same stream', async () => {
    const user = userEvent.setup()
    const { body, push } = pushableStream()
    const calls = routedFetch((c) => {
      if (c.url === '/ai/api/chat/stream') return streamed(body)
      if (c.url === `/ai/api/tasks/${T}/approvals/ap1`) return jsonResponse(200, { task_id: T, approval_id: 'ap1', status: 'resumed' })
      return undefined
    })
    render(<App />)
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'add a task buy milk{Enter}')
    push(opening())
    const card = await screen.findByTestId('approval-card')
    expect(within(card).getByTestId('approval-message')).toHaveTextContent('Add the task “buy milk” to your list?')
    expect(screen.getByTestId('answer-status')).toHaveTextContent('Waiting for your approval…')
    await user.click(within(card).getByRole('button', { name: 'Approve' }))
    const post = calls.find((c) => c.url.endsWith('/approvals/ap1'))!
    expect(post).toMatchObject({ method: 'POST', body: { approve: true } })
    expect(post.headers['x-api-key']).toBe('good-key')
    expect(within(card).queryByRole('button')).toBeNull()
    push(
      frame({ type: 'tool_result', task_id: T, seq: 3, name: 'add_task', call_id: 'c1', output: '{"added": {}}', is_error: false, duration_ms: 4 }) +
        frame({ type: 'token', task_id: T, seq: 4, content: 'Added task 1: “buy milk”.' }) +
        frame({ type: 'complete', task_id: T, seq: 5, response: 'Added task 1: “buy milk”.', session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 900 }),
    )
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.getByTestId('answer-text')).toHaveTextContent('Added task 1: “buy milk”.')
    expect(screen.getByTestId('approval-card')).toHaveAttribute('data-state', 'approved')
    expect(calls.filter((c) => c.url === '/ai/api/chat/stream')).toHaveLength(1) // never re-posted
  })

  it('a request nobody answered ends in a clear approval_expired error', async () => {
    const user = userEvent.setup()
    const { body, push } = pushableStream()
    routedFetch((c) => (c.url === '/ai/api/chat/stream' ? streamed(body) : undefined))
    render(<App />)
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'add a task buy milk{Enter}')
    push(opening())
    await screen.findByTestId('approval-card')
    const message = 'Nobody approved or rejected the change within 900 s; nothing was changed.'
    push(frame({ type: 'error', task_id: T, seq: 3, code: 'approval_expired', message }))
    push('')
    const notice = await screen.findByTestId('error-notice')
    expect(notice).toHaveTextContent(message)
    expect(notice).toHaveTextContent('approval_expired')
    expect(screen.getByTestId('approval-card')).toHaveAttribute('data-state', 'expired')
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull()
  })
})
