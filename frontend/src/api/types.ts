/**
 * Wire types mirrored from backend/contract/events.py and transcript.py.
 * Every event carries task_id and seq; the SSE frame id is the seq (resume with Last-Event-ID).
 */

interface BaseEvent {
  task_id: string
  seq: number
}

export interface SessionEvent extends BaseEvent {
  type: 'session'
  session_id: string
}

export interface RetryEvent extends BaseEvent {
  type: 'retry'
  attempt: number
  message: string
}

export interface ToolEvent extends BaseEvent {
  type: 'tool'
  name: string
  arguments: Record<string, unknown>
  call_id: string
  message: string
}

export interface ToolResultEvent extends BaseEvent {
  type: 'tool_result'
  call_id: string
  name: string
  output: unknown
  is_error: boolean
  duration_ms: number
}

export interface TokenEvent extends BaseEvent {
  type: 'token'
  content: string
}

export type ProgressStage = 'understanding' | 'exploring_schema' | 'querying' | 'validating' | 'answering'

/** Where the agent is in its workflow (not terminal). `total` is null when unknown. */
export interface ProgressEvent extends BaseEvent {
  type: 'progress'
  stage: ProgressStage
  step: number
  total: number | null
  elapsed_ms: number
  message: string
}

export interface ChartSuggestion {
  kind: 'bar' | 'line'
  x: string
  y: string[]
}

/** The full result of one query for the client (the model only gets a compact summary). */
export interface QueryData {
  call_id: string
  name: string
  sql: string
  columns: string[]
  rows: unknown[][]
  /** How many rows the query produced; `rows` may hold fewer when `truncated`. */
  row_count: number
  truncated: boolean
  chart: ChartSuggestion | null
}

/** Emitted right after the tool_result of the call (`call_id`) that produced it. */
export interface DataEvent extends BaseEvent, QueryData {
  type: 'data'
}

export interface WorkflowStep {
  step: number
  name: string
  duration_ms: number
}

export interface CompleteEvent extends BaseEvent {
  type: 'complete'
  response: string
  session_id: string
  workflow: WorkflowStep[]
  usage: { input_tokens: number; output_tokens: number; total_tokens: number }
  tools: string[]
  duration_ms: number
}

export interface ErrorEvent extends BaseEvent {
  type: 'error'
  code: string
  message: string
}

export interface CancelledEvent extends BaseEvent {
  type: 'cancelled'
  message: string
}

export type AgentEvent =
  | SessionEvent
  | RetryEvent
  | ToolEvent
  | ToolResultEvent
  | TokenEvent
  | ProgressEvent
  | DataEvent
  | CompleteEvent
  | ErrorEvent
  | CancelledEvent

export const TERMINAL_TYPES: ReadonlySet<AgentEvent['type']> = new Set(['complete', 'error', 'cancelled'])

export function isTerminal(event: AgentEvent): boolean {
  return TERMINAL_TYPES.has(event.type)
}

const EVENT_TYPES: ReadonlySet<string> = new Set([
  'session', 'retry', 'tool', 'tool_result', 'token', 'progress', 'data', 'complete', 'error', 'cancelled',
])

/**
 * Parses one SSE data payload; null for anything that is not a contract event (pings, reconnect
 * notices) and for event types this UI does not know yet, so a newer server never breaks it.
 */
export function parseEvent(data: string): AgentEvent | null {
  try {
    const value: unknown = JSON.parse(data)
    if (value && typeof value === 'object' && EVENT_TYPES.has((value as { type?: string }).type ?? '')) {
      return value as AgentEvent
    }
  } catch {
    // not JSON: not an event
  }
  return null
}

/** transcript.py ToolStep */
export interface ToolStepRecord {
  call_id: string
  name: string
  message?: string
  arguments: Record<string, unknown>
  output: unknown
  is_error: boolean
  duration_ms: number
  /** The same shape as the `data` event (without type, task_id, seq), when the step produced one. */
  data?: QueryData | null
}

/** transcript.py TranscriptMessage */
export interface TranscriptMessage {
  role: 'user' | 'assistant'
  text: string
  task_id: string
  created_at: number
  status?: 'completed' | 'failed' | 'cancelled' | null
  tools?: ToolStepRecord[]
  /** Assistant messages in GET /sessions/{id} (gateway-side, not in shared snapshots). */
  feedback?: Feedback | null
  /** Assistant messages: earlier versions of this turn (regenerated or edited away), oldest first. */
  versions?: TurnVersionRecord[]
}

/** transcript.py TurnVersion: a replaced version of a turn, with the question it answered. */
export interface TurnVersionRecord {
  question: string
  answer: TranscriptMessage
}

/** schemas.py TaskState: GET /ai/api/tasks/{id} */
export interface TaskState {
  task_id: string
  status: string
  session_id: string | null
  /** The task's question (what another tab shows while the run goes on). */
  message: string | null
  /** Regenerate / edit: the task id of the turn this task replaces. */
  replaces: string | null
  events_url: string
}

export type Rating = 'up' | 'down'

/** backend/feedback.py Feedback: PUT /ai/api/sessions/{id}/feedback/{task_id} */
export interface Feedback {
  rating: Rating
  comment: string
  updated_at: number
}

export interface SessionSummary {
  id: string
  title: string
  updated_at: number | string | null
  message_count: number
}

/** GET /ai/api/sessions?q=: a summary plus the snippet that matched (null when the title did). */
export interface SessionMatch extends SessionSummary {
  match: string | null
}

export interface SessionSearch {
  sessions: SessionMatch[]
  /** How many sessions were read; `truncated`: the owner has more than the search reads. */
  searched: number
  truncated: boolean
}

/** backend/shares.py: POST /ai/api/sessions/{id}/shares and GET /ai/api/shares. */
export interface ShareLink {
  share_id: string
  session_id: string
  title: string
  created_at: number
  expires_at: number | null
  /** The UI's read-only view, relative to the origin ("/ai/static/#/shared/<id>"). */
  url: string
}

/** GET /ai/api/shared/{id} (no key): a snapshot, without owner, session id or feedback. */
export interface SharedConversation {
  share_id: string
  title: string
  shared_at: number
  messages: TranscriptMessage[]
}

export type ExportFormat = 'markdown' | 'json'

export interface SessionDetail extends SessionSummary {
  messages: TranscriptMessage[]
  active_task: string | null
}

export interface Health {
  status: string
  models: string[]
  workers_alive: number
}

/** GET /ai/api/ui-config (no key needed). */
export interface UiConfig {
  /** Set by the local devstack to its demo key, so the key dialog can say which key to use. */
  api_key_hint: string | null
  /** The gateway accepts bearer tokens: the UI offers sign-in by pasting one. */
  tokens: boolean
  /** Dev only (UI_DEMO_USER): a fresh token for the demo user, used when none was pasted. */
  demo_token: string | null
}

/** GET /ai/api/me (backend/routes/me.py): who the gateway takes the caller for. */
export interface Me {
  kind: 'user' | 'key'
  via: 'key' | 'token' | 'proxy'
  name: string | null
  /** The owner id sessions and tasks are stored under (`user:…` or `key:…`). */
  owner: string
}
