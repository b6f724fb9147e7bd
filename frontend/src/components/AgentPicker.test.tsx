import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, jsonResponse, sseResponse } from '../test/sseMock'
import { routedFetch } from '../test/routedFetch'
import { sessionSummary } from '../test/wire'
import { App } from './App'

const S = 'sess-1'
const T = 'task-1'
const AGENTS = {
  agents: [
    { name: 'analytics', description: 'Natural-language analytics', tools: ['run_query'] },
    { name: 'chat', description: 'A plain assistant', tools: [] },
    { name: 'tasks', description: 'Your own task list', tools: ['add_task', 'list_tasks'] },
  ],
  default: 'analytics',
}
const answer = (text: string) =>
  sseResponse(
    [
      frame({ type: 'session', task_id: T, seq: 0, session_id: S }),
      frame({ type: 'complete', task_id: T, seq: 1, response: text, session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 5 }),
    ],
    { headers: { 'X-Task-ID': T } },
  )

beforeEach(() => {
  window.localStorage.setItem('ai.apiKey', 'good-key')
  Element.prototype.scrollTo = vi.fn()
})
afterEach(() => {
  vi.restoreAllMocks()
  window.localStorage.clear()
})

describe('agent picker', () => {
  it("starts a new chat with the picked agent, then shows the conversation's agent and names it no more", async () => {
    const user = userEvent.setup()
    const calls = routedFetch((c) => {
      if (c.url === '/ai/api/agents') return jsonResponse(200, AGENTS)
      if (c.url === '/ai/api/chat/stream') return answer('Hello there')
      return undefined
    })
    render(<App />)
    const picker = await screen.findByRole('combobox', { name: 'Agent for this chat' })
    expect(picker).toHaveValue('analytics')
    await user.selectOptions(picker, 'chat')
    expect(window.localStorage.getItem('ai.agent')).toBe('chat')
    expect(screen.getByTestId('empty-state')).toHaveTextContent('chat: A plain assistant')
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'hello{Enter}')
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.getByTestId('agent-label')).toHaveTextContent('chat')
    expect(screen.queryByTestId('agent-picker')).toBeNull()
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'more{Enter}')
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2))
    const [first, second] = calls.filter((c) => c.method === 'POST').map((c) => c.body)
    expect(first).toMatchObject({ message: 'hello', session_id: null, agent: 'chat' })
    expect(second).toMatchObject({ message: 'more', session_id: S })
    expect(second).not.toHaveProperty('agent') // the session keeps its agent
  })

  it('offers the data examples only for an agent with the analytics tools', async () => {
    const user = userEvent.setup()
    routedFetch((c) => (c.url === '/ai/api/agents' ? jsonResponse(200, AGENTS) : undefined))
    render(<App />)
    const picker = await screen.findByRole('combobox', { name: 'Agent for this chat' })
    expect(screen.getByRole('heading', { name: 'Ask a question about your data' })).toBeInTheDocument()
    await user.selectOptions(picker, 'chat')
    expect(screen.getByRole('heading', { name: 'Ask anything' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'How many customers are there?' })).toBeNull()
    await user.selectOptions(picker, 'tasks') // tools, but not for data
    expect(screen.getByRole('heading', { name: 'Ask anything' })).toBeInTheDocument()
    expect(screen.getByTestId('empty-state')).toHaveTextContent('tasks: Your own task list')
    await user.selectOptions(picker, 'analytics')
    expect(screen.getByRole('button', { name: 'How many customers are there?' })).toBeInTheDocument()
  })

  it("shows an opened conversation's own agent, whatever is picked for new chats", async () => {
    window.localStorage.setItem('ai.agent', 'analytics')
    const user = userEvent.setup()
    routedFetch((c) => {
      if (c.url === '/ai/api/agents') return jsonResponse(200, AGENTS)
      if (c.url === '/ai/api/sessions') return jsonResponse(200, { sessions: [sessionSummary({ session_id: S, title: 'Small talk', agent: 'chat' })] })
      if (c.url === `/ai/api/sessions/${S}`) return jsonResponse(200, { ...sessionSummary({ session_id: S, title: 'Small talk', agent: 'chat' }), messages: [] })
      return undefined
    })
    render(<App />)
    await user.click(await screen.findByRole('button', { name: /^Small talk/ }))
    expect(await screen.findByTestId('agent-label')).toHaveTextContent('chat')
    expect(screen.queryByRole('combobox', { name: 'Agent for this chat' })).toBeNull()
    await user.click(screen.getByTestId('new-chat'))
    expect(await screen.findByRole('combobox', { name: 'Agent for this chat' })).toHaveValue('analytics')
  })

  it('offers no picker when the workers run one agent', async () => {
    routedFetch(() => undefined)
    render(<App />)
    await waitFor(() => expect(screen.getByTestId('empty-state')).toBeInTheDocument())
    await new Promise((r) => setTimeout(r, 20))
    expect(screen.queryByTestId('agent-picker')).toBeNull()
  })
})
