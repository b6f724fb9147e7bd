import type { SessionMessage, SessionSummary, ToolStep } from '../api/types'

/** Complete wire objects (every field the backend always sends), for tests to override. */

export const userMessage = (over: Partial<SessionMessage> = {}): SessionMessage => ({
  role: 'user', text: 'q', task_id: 't1', created_at: 1, status: null, tools: [], versions: [], parts: [], ...over,
})

export const assistantMessage = (over: Partial<SessionMessage> = {}): SessionMessage => ({
  role: 'assistant', text: 'a', task_id: 't1', created_at: 2, status: 'completed', tools: [], versions: [], parts: [], ...over,
})

export const toolStep = (over: Partial<ToolStep> = {}): ToolStep => ({
  call_id: 'c', name: 'run_query', message: '', arguments: {}, output: null, is_error: false, duration_ms: 0, data: null,
  ...over,
})

export const sessionSummary = (over: Partial<SessionSummary> = {}): SessionSummary => ({
  session_id: 's1', title: 'Title', created_at: 1, updated_at: 1, message_count: 0, active_task: null, agent: 'analytics', ...over,
})
