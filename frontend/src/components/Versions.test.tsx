import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, jsonResponse, sseResponse } from '../test/sseMock'
import { routedFetch as installFetch } from '../test/routedFetch'
import { branchAt, fromTranscript } from '../state/chatModel'
import type { TranscriptMessage } from '../api/types'
import { assistantMessage, sessionSummary, userMessage } from '../test/wire'
import { App } from './App'

const S = 'sess-v'
const turn = (taskId: string, question: string, answer: string, versions: TranscriptMessage['versions'] = []): TranscriptMessage[] => [
  userMessage({ text: question, task_id: taskId, created_at: 1 }),
  assistantMessage({ text: answer, task_id: taskId, created_at: 2, versions }),
]
const stream = (taskId: string, response: string) =>
  sseResponse(
    [
      frame({ type: 'session', task_id: taskId, seq: 0, session_id: S }),
      frame({ type: 'token', task_id: taskId, seq: 1, content: response }),
      frame({ type: 'complete', task_id: taskId, seq: 2, response, session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 5 }),
    ],
    { headers: { 'X-Task-ID': taskId } },
  )

function session(messages: TranscriptMessage[], active: string | null = null) {
  return (url: string) => {
    if (url === '/ai/api/sessions') return jsonResponse(200, { sessions: [sessionSummary({ session_id: S, title: 'Orders', message_count: messages.length, active_task: active })] })
    if (url === `/ai/api/sessions/${S}`) return jsonResponse(200, { ...sessionSummary({ session_id: S, title: 'Orders', message_count: messages.length, active_task: active }), messages })
    return undefined
  }
}

beforeEach(() => {
  window.localStorage.setItem('ai.apiKey', 'good-key')
  window.sessionStorage.clear()
  Element.prototype.scrollTo = vi.fn()
})
afterEach(() => vi.restoreAllMocks())

async function openOrders() {
  const user = userEvent.setup()
  render(<App />)
  await user.click(await screen.findByRole('button', { name: /^Orders/ }))
  await screen.findAllByTestId('assistant-message')
  return user
}

describe('chatModel versions', () => {
  it('reads earlier versions and the task id of each question from the transcript', () => {
    const old = turn('t1', 'first question', 'old answer')[1]
    const [user, answer] = fromTranscript(turn('t2', 'edited question', 'new answer', [{ question: 'first question', answer: old, tail: [] }]))
    expect(user).toMatchObject({ kind: 'user', taskId: 't2' })
    expect(answer.kind === 'assistant' && answer.versions?.map((v) => [v.question, v.answer.text])).toEqual([['first question', 'old answer']])
  })

  it('cutting at a question keeps what came before and makes the replaced answer the newest version', () => {
    const messages = fromTranscript([...turn('t1', 'q1', 'a1'), ...turn('t2', 'q2', 'a2'), ...turn('t3', 'q3', 'a3')])
    const { before, versions } = branchAt(messages, 2)
    expect(before.map((m) => m.id)).toEqual(['u-t1', 'a-t1'])
    expect(versions.map((v) => [v.question, v.answer.text])).toEqual([['q2', 'a2']])
  })
})

describe('regenerate and edit', () => {
  it('regenerate posts the answer\'s task id and flips between the old and the new answer', async () => {
    const calls = installFetch((c) => session(turn('t1', 'How many orders?', 'There are 10.'))(c.url) ?? (c.url === '/ai/api/chat/stream' ? stream('t2', 'There are ten.') : undefined))
    const user = await openOrders()
    await user.click(screen.getByTestId('regenerate-button'))
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ session_id: S, regenerate: 't1' })
    expect(screen.getByTestId('answer-text')).toHaveTextContent('There are ten.')
    expect(screen.getByTestId('version-label')).toHaveTextContent('2/2')
    await user.click(screen.getByRole('button', { name: 'Previous version' }))
    expect(screen.getByTestId('answer-text')).toHaveTextContent('There are 10.')
    expect(screen.getByTestId('version-label')).toHaveTextContent('1/2')
    expect(screen.queryByTestId('regenerate-button')).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Next version' }))
    expect(screen.getByTestId('answer-text')).toHaveTextContent('There are ten.')
  })

  it('a refused regenerate (409) puts the conversation back as the server kept it, and says why', async () => {
    installFetch((c) => session(turn('t1', 'How many orders?', 'There are 10.'))(c.url) ?? (c.url === '/ai/api/chat/stream' ? jsonResponse(409, { detail: 'session has an active run' }) : undefined))
    const user = await openOrders()
    await user.click(screen.getByTestId('regenerate-button'))
    expect(await screen.findByTestId('answer-notice')).toHaveTextContent(/^Could not regenerate: /)
    expect(screen.getByTestId('answer-text')).toHaveTextContent('There are 10.')
    expect(screen.queryByTestId('version-flipper')).toBeNull()
  })

  it('offers Regenerate only on the last answer', async () => {
    installFetch((c) => session([...turn('t1', 'q1', 'a1'), ...turn('t2', 'q2', 'a2')])(c.url))
    await openOrders()
    const answers = screen.getAllByTestId('assistant-message')
    expect(within(answers[0]).queryByTestId('regenerate-button')).toBeNull()
    expect(within(answers[1]).getByTestId('regenerate-button')).toBeInTheDocument()
  })

  it('offers no Regenerate on an answer to a question that carried a file', async () => {
    const [question, answer] = turn('t1', 'How many rows?', 'There are 37.')
    const withFile = { ...question, parts: [{ type: 'file' as const, filename: 'sales.csv', media_type: 'text/csv', size: 900, detail: null, text: null, url: null }] }
    installFetch((c) => session([withFile, answer])(c.url))
    await openOrders()
    expect(screen.queryByTestId('regenerate-button')).toBeNull()
  })

  it('edit opens the question in place; Enter resends it cut at that turn, with the old turn as a version', async () => {
    const calls = installFetch((c) => session([...turn('t1', 'q1', 'a1'), ...turn('t2', 'q2', 'a2')])(c.url) ?? (c.url === '/ai/api/chat/stream' ? stream('t3', 'a1 edited') : undefined))
    const user = await openOrders()
    await user.click(screen.getAllByTestId('edit-button')[0])
    const input = screen.getByTestId('edit-input')
    expect(input).toHaveValue('q1')
    await user.clear(input)
    await user.type(input, 'q1 again{Enter}')
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ message: 'q1 again', session_id: S, edit: 't1' })
    expect(screen.getAllByTestId('user-message').map((m) => m.textContent)).toEqual(['q1 again'])
    await user.click(screen.getByRole('button', { name: 'Previous version' }))
    expect(screen.getAllByTestId('user-message').map((m) => m.textContent)).toEqual(['q1', 'q2'])
    expect(screen.getAllByTestId('answer-text')[0]).toHaveTextContent('a1')
  })

  it('after editing an earlier question, its previous version shows the later turns of that branch, read-only', async () => {
    const three = [...turn('t1', 'q1', 'a1'), ...turn('t2', 'q2', 'a2'), ...turn('t3', 'q3', 'a3')]
    installFetch((c) => session(three)(c.url) ?? (c.url === '/ai/api/chat/stream' ? stream('t4', 'a1 edited') : undefined))
    const user = await openOrders()
    await user.click(screen.getAllByTestId('edit-button')[0])
    await user.clear(screen.getByTestId('edit-input'))
    await user.type(screen.getByTestId('edit-input'), 'q1 again{Enter}')
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.queryByTestId('earlier-branch')).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Previous version' }))
    const branch = screen.getByTestId('earlier-branch')
    expect(within(branch).getAllByTestId('user-message').map((m) => m.textContent)).toEqual(['q1', 'q2', 'q3'])
    expect(within(branch).getAllByTestId('answer-text').map((m) => m.textContent)).toEqual(['a1', 'a2', 'a3'])
    expect(screen.getByTestId('earlier-branch-note')).toHaveTextContent('continues from the latest')
    expect(screen.queryByTestId('edit-button')).toBeNull()
    expect(screen.queryByTestId('regenerate-button')).toBeNull()
    await user.click(screen.getByTestId('show-latest'))
    expect(screen.queryByTestId('earlier-branch')).toBeNull()
    expect(screen.getAllByTestId('user-message').map((m) => m.textContent)).toEqual(['q1 again'])
  })

  it('Esc leaves the editor without sending', async () => {
    const calls = installFetch((c) => session(turn('t1', 'q1', 'a1'))(c.url))
    const user = await openOrders()
    await user.click(screen.getByTestId('edit-button'))
    await user.type(screen.getByTestId('edit-input'), ' more{Escape}')
    expect(screen.queryByTestId('edit-input')).toBeNull()
    expect(screen.getByTestId('user-message')).toHaveTextContent('q1')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
  })
})

describe('a second tab', () => {
  it('opening a session whose run started elsewhere shows its question and follows the live answer', async () => {
    installFetch((c) => {
      const known = session(turn('t1', 'q1', 'a1'), 't2')(c.url)
      if (known) return known
      if (c.url === '/ai/api/tasks/t2') return jsonResponse(200, { task_id: 't2', status: 'running', session_id: S, message: 'Top 3 customers', replaces: null, events_url: '' })
      if (c.url === '/ai/api/tasks/t2/events') return stream('t2', 'Ann, Bob, Cy')
      return undefined
    })
    await openOrders()
    await waitFor(() => expect(screen.getAllByTestId('assistant-message')[1]).toHaveAttribute('data-status', 'completed'))
    expect(screen.getAllByTestId('user-message').map((m) => m.textContent)).toEqual(['q1', 'Top 3 customers'])
    expect(screen.getAllByTestId('answer-text')[1]).toHaveTextContent('Ann, Bob, Cy')
  })

  it('a regenerate started elsewhere shows the conversation cut at its turn, the old answer as a version', async () => {
    installFetch((c) => {
      const known = session(turn('t1', 'q1', 'a1'), 't2')(c.url)
      if (known) return known
      if (c.url === '/ai/api/tasks/t2') return jsonResponse(200, { task_id: 't2', status: 'running', session_id: S, message: 'q1', replaces: 't1', events_url: '' })
      if (c.url === '/ai/api/tasks/t2/events') return stream('t2', 'a1, again')
      return undefined
    })
    await openOrders()
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.getByTestId('answer-text')).toHaveTextContent('a1, again')
    expect(screen.getByTestId('version-label')).toHaveTextContent('2/2')
  })
})
