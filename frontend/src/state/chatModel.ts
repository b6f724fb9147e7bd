import type { Attachment } from '../lib/attachments'
import type { AgentEvent, Feedback, ProgressEvent, QueryData, SessionMessage } from '../api/types'
import { answered, ended, requested, type ApprovalRequest } from './approvals'

/** What the UI renders: the display form of a conversation, built from events or from a transcript. */

/** A tool call as the UI shows it (built from tool/tool_result/data events, or from a stored ToolStep). */
export interface DisplayStep {
  call_id: string
  name: string
  arguments: Record<string, unknown>
  message: string
  output?: unknown
  is_error: boolean
  duration_ms: number
  done: boolean
  /** The query's full result from a `data` event (or the stored transcript), when there is one. */
  data?: QueryData
}

export type Progress = Pick<ProgressEvent, 'stage' | 'step' | 'total' | 'elapsed_ms' | 'message'>

export type AnswerStatus = 'pending' | 'streaming' | 'completed' | 'failed' | 'cancelled'

export interface UiError {
  /** auth: 401; limited: 429/503 (Retry-After); run: terminal error event; connection: rejoin gave up;
   *  gone: the task's events expired; request: any other HTTP error. */
  kind: 'auth' | 'limited' | 'run' | 'connection' | 'gone' | 'request'
  message: string
  code?: string
  retryAfterS?: number
  at?: number
}

export interface UserMessage {
  kind: 'user'
  id: string
  text: string
  /** Files sent with the question (a chip each; the transcript keeps their name and size, never the data). */
  attachments?: Attachment[]
  /** The task this question started (known once the gateway answered): what "Edit" names. */
  taskId?: string | null
}

/** An earlier version of a turn (regenerated or edited away): the question then, its answer, and the
 *  messages that followed it on that branch (TurnVersion.tail: shown read-only, never continued). */
export interface AnswerVersion {
  question: string
  answer: AssistantMessage
  tail: ChatMessage[]
}

export interface AssistantMessage {
  kind: 'assistant'
  id: string
  taskId: string | null
  /** The user message this answers (for retry). */
  question: string
  text: string
  tools: DisplayStep[]
  status: AnswerStatus
  error?: UiError
  attempt: number
  notice?: string
  stopping?: boolean
  durationMs?: number
  /** The latest `progress` event while the run is live. */
  progress?: Progress
  /** The reader's thumbs up/down on a stored answer (from the session; null = none yet). */
  feedback?: Feedback | null
  /** Earlier versions of this turn, oldest first (the message itself is the newest). */
  versions?: AnswerVersion[]
  /** The tool calls of this run that asked for a person's approval (state/approvals.ts). */
  approvals?: ApprovalRequest[]
}

export type ChatMessage = UserMessage | AssistantMessage

let counter = 0
export function newId(prefix: string): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}`
}

export function pendingAnswer(question: string): AssistantMessage {
  return { kind: 'assistant', id: newId('a'), taskId: null, question, text: '', tools: [], status: 'pending', attempt: 1 }
}

export function isActive(m: ChatMessage): boolean {
  return m.kind === 'assistant' && (m.status === 'pending' || m.status === 'streaming')
}

/** Applies one event to the answer it belongs to (pure: returns a new object). */
export function applyEvent(answer: AssistantMessage, event: AgentEvent): AssistantMessage {
  const a: AssistantMessage = { ...answer, taskId: answer.taskId ?? event.task_id }
  switch (event.type) {
    case 'session':
      return { ...a, status: 'streaming' }
    case 'retry':
      // A new attempt restarts the answer: drop what the previous attempt streamed.
      return { ...a, status: 'streaming', text: '', tools: [], approvals: undefined, progress: undefined, attempt: event.attempt, notice: event.message || `Retrying (attempt ${event.attempt})` }
    case 'tool': {
      if (a.tools.some((t) => t.call_id === event.call_id)) return a
      const step: DisplayStep = {
        call_id: event.call_id, name: event.name, arguments: event.arguments, message: event.message,
        is_error: false, duration_ms: 0, done: false,
      }
      return { ...a, status: 'streaming', tools: [...a.tools, step] }
    }
    case 'tool_result': {
      const result = { output: event.output, is_error: event.is_error, duration_ms: event.duration_ms, done: true }
      const known = a.tools.some((t) => t.call_id === event.call_id)
      const tools = known
        ? a.tools.map((t) => (t.call_id === event.call_id ? { ...t, ...result } : t))
        : [...a.tools, { call_id: event.call_id, name: event.name, arguments: {}, message: '', ...result }]
      return { ...a, status: 'streaming', tools, approvals: answered(a.approvals, event.call_id) }
    }
    case 'approval_required':
      return { ...a, status: 'streaming', approvals: requested(a.approvals, event) }
    case 'token':
      return { ...a, status: 'streaming', text: a.text + event.content }
    case 'progress': {
      const { stage, step, total, elapsed_ms, message } = event
      return { ...a, status: 'streaming', progress: { stage, step, total, elapsed_ms, message } }
    }
    case 'data': {
      const { type: _type, task_id: _task, seq: _seq, ...data } = event
      void [_type, _task, _seq]
      const known = a.tools.some((t) => t.call_id === event.call_id)
      const tools = known
        ? a.tools.map((t) => (t.call_id === event.call_id ? { ...t, data } : t))
        : [...a.tools, { call_id: event.call_id, name: event.name, arguments: { sql: event.sql }, message: '', is_error: false, duration_ms: 0, done: true, data }]
      return { ...a, status: 'streaming', tools }
    }
    case 'complete':
      return { ...a, status: 'completed', text: event.response, durationMs: event.duration_ms, stopping: false, notice: undefined, progress: undefined, approvals: ended(a.approvals) }
    case 'error':
      return {
        ...a, status: 'failed', stopping: false, progress: undefined, approvals: ended(a.approvals, event.code),
        error: { kind: 'run', message: event.message, code: event.code },
      }
    case 'cancelled':
      return { ...a, status: 'cancelled', stopping: false, notice: undefined, progress: undefined, approvals: ended(a.approvals) }
    default:
      return answer // a type this UI does not know: ignored
  }
}

/**
 * Cutting the conversation at the user message `userIndex` (regenerate / edit): the messages before
 * it, and the versions the new answer inherits (the replaced answer's earlier ones, then itself with
 * the messages after it). The screen's copy of the server's rule (contract/transcript.py's `branch`),
 * so the cut shows at once; the transcript read on reload is the server's.
 */
export function branchAt(messages: ChatMessage[], userIndex: number): { before: ChatMessage[]; versions: AnswerVersion[] } {
  const user = messages[userIndex]
  const answer = messages[userIndex + 1]
  const before = messages.slice(0, userIndex)
  if (user?.kind !== 'user' || answer?.kind !== 'assistant' || isActive(answer)) return { before, versions: [] }
  const { versions = [], ...replaced } = answer
  return { before, versions: [...versions, { question: user.text, answer: replaced, tail: messages.slice(userIndex + 2) }] }
}

function storedAnswer(m: SessionMessage, question: string): AssistantMessage {
  const status = m.status === 'failed' ? 'failed' : m.status === 'cancelled' ? 'cancelled' : 'completed'
  return {
    kind: 'assistant', id: `a-${m.task_id}`, taskId: m.task_id, question, text: m.text, status, attempt: 1,
    error: status === 'failed' ? { kind: 'run', message: 'This answer failed.' } : undefined,
    feedback: m.feedback ?? null,
    tools: m.tools.map((t) => ({
      call_id: t.call_id, name: t.name, arguments: t.arguments, message: t.message, output: t.output,
      is_error: t.is_error, duration_ms: t.duration_ms, done: true, ...(t.data ? { data: t.data } : {}),
    })),
  }
}

/** Rebuilds display messages from a stored transcript: GET /ai/api/sessions/{id}'s messages, or a shared
 *  snapshot's (TranscriptMessage: the same shape without the `feedback` key). */
export function fromTranscript(messages: SessionMessage[]): ChatMessage[] {
  const out: ChatMessage[] = []
  let lastQuestion = ''
  for (const m of messages) {
    if (m.role === 'user') {
      lastQuestion = m.text
      const attachments = m.parts.flatMap((p) => (p.type === 'file' && p.filename ? [{ filename: p.filename, size: p.size ?? 0 }] : []))
      out.push({ kind: 'user', id: `u-${m.task_id}`, text: m.text, taskId: m.task_id, ...(attachments.length ? { attachments } : {}) })
      continue
    }
    const answer = storedAnswer(m, lastQuestion)
    const versions = m.versions.map((v) => ({ question: v.question, answer: storedAnswer(v.answer, v.question), tail: fromTranscript(v.tail ?? []) }))
    // (`?? []`: a shared snapshot stored before versions had a tail)
    out.push(versions.length ? { ...answer, versions } : answer)
  }
  return out
}
