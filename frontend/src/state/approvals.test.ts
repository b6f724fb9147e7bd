import { describe, expect, it } from 'vitest'
import type { AgentEvent } from '../api/types'
import { applyEvent, pendingAnswer } from './chatModel'
import { waitingForApproval } from './approvals'

const T = 't1'
const request = (seq: number, approval_id = 'ap1', call_id = 'c1'): AgentEvent => ({
  type: 'approval_required', task_id: T, seq, approval_id, call_id, tool: 'add_task', arguments: { title: 'buy milk' },
  message: 'Add the task “buy milk” to your list?', expires_at: 2_000_000_000,
})
const tool = (seq: number): AgentEvent => ({ type: 'tool', task_id: T, seq, call_id: 'c1', name: 'add_task', arguments: { title: 'buy milk' }, message: '' })
const result = (seq: number): AgentEvent => ({ type: 'tool_result', task_id: T, seq, call_id: 'c1', name: 'add_task', output: '{}', is_error: false, duration_ms: 3 })
const fold = (events: AgentEvent[]) => events.reduce(applyEvent, pendingAnswer('add a task buy milk'))

describe('approval requests of an answer', () => {
  it('an approval_required event adds one open request, once however often it is replayed', () => {
    const answer = fold([tool(1), request(2), request(2)])
    expect(answer.approvals).toEqual([expect.objectContaining({ approval_id: 'ap1', tool: 'add_task', state: 'open' })])
    expect(answer.status).toBe('streaming')
    expect(waitingForApproval(answer.approvals)).toBe(true)
  })

  it("the call's result marks its request decided, wherever it was decided", () => {
    const answer = fold([tool(1), request(2), result(3)])
    expect(answer.approvals?.[0].state).toBe('decided')
    expect(waitingForApproval(answer.approvals)).toBe(false)
  })

  it('error approval_expired marks the open request expired; other ends close it', () => {
    const expired = fold([request(1), { type: 'error', task_id: T, seq: 2, code: 'approval_expired', message: 'Nobody decided.' }])
    expect(expired.approvals?.[0].state).toBe('expired')
    expect(expired.error).toMatchObject({ kind: 'run', code: 'approval_expired', message: 'Nobody decided.' })
    expect(fold([request(1), { type: 'cancelled', task_id: T, seq: 2, message: 'Cancelled' }]).approvals?.[0].state).toBe('closed')
  })

  it('a decided request stays decided when the run then completes', () => {
    const done: AgentEvent = { type: 'complete', task_id: T, seq: 5, response: 'Added.', session_id: 's', workflow: [], usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 }, tools: [], duration_ms: 9 }
    expect(fold([request(1), result(2), done]).approvals?.[0].state).toBe('decided')
  })
})
