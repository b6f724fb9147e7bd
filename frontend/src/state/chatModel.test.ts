import { describe, expect, it } from 'vitest'
import type { AgentEvent } from '../api/types'
import { applyEvent, fromTranscript, pendingAnswer } from './chatModel'
import { assistantMessage, toolStep, userMessage } from '../test/wire'

const T = 't1'
const apply = (events: AgentEvent[]) => events.reduce(applyEvent, pendingAnswer('q'))

describe('applyEvent', () => {
  it('attaches a data event to the tool step that produced it', () => {
    const a = apply([
      { type: 'tool', task_id: T, seq: 1, name: 'run_query', arguments: { sql: 'select 1' }, call_id: 'c1', message: '' },
      { type: 'tool_result', task_id: T, seq: 2, name: 'run_query', call_id: 'c1', output: '1 row', is_error: false, duration_ms: 3 },
      { type: 'data', task_id: T, seq: 3, call_id: 'c1', name: 'run_query', sql: 'select 1', columns: ['n'], rows: [[1]], row_count: 1, truncated: false, chart: null },
    ])
    expect(a.tools).toHaveLength(1)
    expect(a.tools[0].data).toEqual({ call_id: 'c1', name: 'run_query', sql: 'select 1', columns: ['n'], rows: [[1]], row_count: 1, truncated: false, chart: null })
  })

  it('keeps the latest progress while running and drops it when the run ends', () => {
    const progress = { type: 'progress', task_id: T, seq: 1, stage: 'querying', step: 3, total: 5, elapsed_ms: 412, message: 'Running the query' } as const
    const running = apply([progress])
    expect(running.progress).toMatchObject({ stage: 'querying', step: 3, total: 5, message: 'Running the query' })
    const done = applyEvent(running, { type: 'complete', task_id: T, seq: 2, response: 'ok', session_id: 's', workflow: [], usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, tools: [], duration_ms: 5 })
    expect(done.progress).toBeUndefined()
  })

  it('ignores event types it does not know', () => {
    const before = apply([{ type: 'token', task_id: T, seq: 1, content: 'Hi' }])
    const unknown = { type: 'thinking', task_id: T, seq: 2, content: '…' } as unknown as AgentEvent
    expect(applyEvent(before, unknown)).toBe(before)
  })

  it('appends token contents to the answer text', () => {
    const a = apply([
      { type: 'session', task_id: T, seq: 0, session_id: 's' },
      { type: 'token', task_id: T, seq: 1, content: 'Hel' },
      { type: 'token', task_id: T, seq: 2, content: 'lo' },
    ])
    expect(a.text).toBe('Hello')
    expect(a.status).toBe('streaming')
    expect(a.taskId).toBe(T)
  })

  it('a retry event clears the partial text and steps of the previous attempt', () => {
    const a = apply([
      { type: 'token', task_id: T, seq: 1, content: 'half an ans' },
      { type: 'tool', task_id: T, seq: 2, name: 'run_query', arguments: {}, call_id: 'c1', message: '' },
      { type: 'retry', task_id: T, seq: 3, attempt: 2, message: 'Worker restarted' },
      { type: 'token', task_id: T, seq: 4, content: 'Fresh' },
    ])
    expect(a.text).toBe('Fresh')
    expect(a.tools).toEqual([])
    expect(a.attempt).toBe(2)
  })

  it('pairs tool results with their call and records duration', () => {
    const a = apply([
      { type: 'tool', task_id: T, seq: 1, name: 'run_query', arguments: { sql: 'select 1' }, call_id: 'c1', message: 'Running SQL query' },
      { type: 'tool_result', task_id: T, seq: 2, name: 'run_query', call_id: 'c1', output: { columns: ['n'], rows: [[1]] }, is_error: false, duration_ms: 12 },
    ])
    expect(a.tools).toHaveLength(1)
    expect(a.tools[0]).toMatchObject({ name: 'run_query', done: true, duration_ms: 12, arguments: { sql: 'select 1' } })
  })

  it('keeps the partial text when the run is cancelled', () => {
    const a = apply([
      { type: 'token', task_id: T, seq: 1, content: 'partial' },
      { type: 'cancelled', task_id: T, seq: 2, message: 'Cancelled' },
    ])
    expect(a.status).toBe('cancelled')
    expect(a.text).toBe('partial')
  })

  it('a terminal error carries its code and message', () => {
    const a = apply([{ type: 'error', task_id: T, seq: 1, code: 'timeout', message: 'Took too long' }])
    expect(a.status).toBe('failed')
    expect(a.error).toMatchObject({ kind: 'run', code: 'timeout', message: 'Took too long' })
  })

  it('complete replaces the text with the authoritative response', () => {
    const a = apply([
      { type: 'token', task_id: T, seq: 1, content: 'Hi' },
      { type: 'complete', task_id: T, seq: 2, response: 'Hi there', session_id: 's', workflow: [], usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, tools: [], duration_ms: 900 },
    ])
    expect(a.status).toBe('completed')
    expect(a.text).toBe('Hi there')
  })
})

describe('fromTranscript', () => {
  it('restores user and assistant messages with their tool steps and status', () => {
    const ms = fromTranscript([
      userMessage({ text: 'How many?', task_id: 't1', created_at: 1 }),
      assistantMessage({ text: '42', task_id: 't1', created_at: 2, tools: [toolStep({ arguments: { sql: 'x' }, duration_ms: 3 })] }),
      userMessage({ text: 'More', task_id: 't2', created_at: 3 }),
      assistantMessage({ text: 'Par', task_id: 't2', created_at: 4, status: 'cancelled' }),
    ])
    expect(ms.map((m) => m.kind)).toEqual(['user', 'assistant', 'user', 'assistant'])
    const [, first, , second] = ms
    expect(first).toMatchObject({ kind: 'assistant', status: 'completed', question: 'How many?' })
    expect(first.kind === 'assistant' && first.tools[0].name).toBe('run_query')
    expect(second).toMatchObject({ status: 'cancelled', text: 'Par' })
  })

  it('keeps the feedback given on a stored answer', () => {
    const [, answer] = fromTranscript([
      userMessage(),
      assistantMessage({ feedback: { rating: 'down', comment: 'no', updated_at: 3 } }),
    ])
    expect(answer).toMatchObject({ kind: 'assistant', feedback: { rating: 'down', comment: 'no' } })
  })
})
