/**
 * The wire types the UI uses, all from ./generated/wire.ts (generated from the backend: `npm run
 * gen:types`), plus the few hand-written helpers over them (terminal types, parsing one SSE payload).
 * Every event carries task_id and seq; the SSE frame id is the seq (resume with Last-Event-ID).
 */
import type * as Wire from './generated/wire'

export type {
  AgentInfo, AgentList, ApprovalDecision, ApprovalRequiredEvent, ApprovalResult, CancelledEvent, ChartSuggestion, CompleteEvent, DataEvent, ErrorEvent, Feedback, Health, Me, ProgressEvent,
  QueryData, RetryEvent, SessionDetail, SessionEvent, SessionMatch, SessionMessage, SessionSearch, SessionSummary,
  SharedConversation, ShareLink, TaskState, TokenEvent, ToolEvent, ToolResultEvent, ToolStep, TranscriptMessage,
  TurnVersion, UiConfig, WorkflowStep,
} from './generated/wire'

/** One event of a task's stream (contract/events.py Event). */
export type AgentEvent = Wire.Event
export type ProgressStage = Wire.ProgressEvent['stage']
export type Rating = Wire.Feedback['rating']
export type ExportFormat = 'markdown' | 'json'

export const TERMINAL_TYPES: ReadonlySet<AgentEvent['type']> = new Set(['complete', 'error', 'cancelled'])

export function isTerminal(event: AgentEvent): boolean {
  return TERMINAL_TYPES.has(event.type)
}

/** Every `type` tag of the union; `satisfies` makes the compiler flag a tag the backend added or dropped. */
const EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys({
  session: 0, retry: 0, tool: 0, tool_result: 0, token: 0, progress: 0, data: 0, approval_required: 0, complete: 0,
  error: 0, cancelled: 0,
} satisfies Record<AgentEvent['type'], 0>))

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
