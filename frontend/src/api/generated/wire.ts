/* eslint-disable */
/**
 * GENERATED FILE: do not edit. Regenerate with `npm run gen:types` (in frontend/), which runs
 * `python -m backend.schema_export` (the backend's OpenAPI components and event union as JSON Schema)
 * and json-schema-to-typescript. tests/unit/test_generated_types.py fails when this file is stale.
 */

export type Event =
  | SessionEvent
  | RetryEvent
  | ToolEvent
  | ToolResultEvent
  | ApprovalRequiredEvent
  | TokenEvent
  | ProgressEvent
  | DataEvent
  | CompleteEvent
  | ErrorEvent
  | CancelledEvent

/**
 * Every schema the gateway sends or accepts (generated; see backend/schema_export.py).
 */
export interface Wire {
  AgentInfo?: AgentInfo
  AgentList?: AgentList
  AnswerError?: AnswerError
  ApprovalDecision?: ApprovalDecision
  ApprovalRequiredEvent?: ApprovalRequiredEvent
  ApprovalResult?: ApprovalResult
  CancelResult?: CancelResult
  CancelledEvent?: CancelledEvent
  ChartSuggestion?: ChartSuggestion
  ChatAnswer?: ChatAnswer
  ChatRequest?: ChatRequest
  CompleteEvent?: CompleteEvent
  CompletionRequest?: CompletionRequest
  DataEvent?: DataEvent
  ErrorEvent?: ErrorEvent
  Event?: Event
  Feedback?: Feedback
  FeedbackRequest?: FeedbackRequest
  FilePart?: FilePart
  HTTPValidationError?: HTTPValidationError
  Health?: Health
  ImagePart?: ImagePart
  Me?: Me
  Message?: Message
  PartRecord?: PartRecord
  ProgressEvent?: ProgressEvent
  QueryData?: QueryData
  Refusal?: Refusal
  RenameRequest?: RenameRequest
  RetryEvent?: RetryEvent
  SessionDetail?: SessionDetail
  SessionEvent?: SessionEvent
  SessionList?: SessionList
  SessionMatch?: SessionMatch
  SessionMessage?: SessionMessage
  SessionSearch?: SessionSearch
  SessionSummary?: SessionSummary
  ShareLink?: ShareLink
  ShareList?: ShareList
  SharedConversation?: SharedConversation
  TaskState?: TaskState
  TextPart?: TextPart
  Timings?: Timings
  TokenEvent?: TokenEvent
  ToolCall?: ToolCall
  ToolEvent?: ToolEvent
  ToolResultEvent?: ToolResultEvent
  ToolStep?: ToolStep
  TranscriptMessage?: TranscriptMessage
  TurnVersion?: TurnVersion
  UiConfig?: UiConfig
  Usage?: Usage
  ValidationError?: ValidationError
  WorkflowStep?: WorkflowStep
}
export interface AgentInfo {
  description?: string
  inputs?: ('text' | 'image' | 'file')[]
  name: string
  tools?: string[]
}
export interface AgentList {
  agents: AgentInfo[]
  default: string
}
export interface AnswerError {
  code: string
  message: string
}
/**
 * POST /ai/api/tasks/{id}/approvals/{approval_id}: a person's answer to an `approval_required`.
 */
export interface ApprovalDecision {
  approve: boolean
  message?: string | null
}
/**
 * A tool call waits for a person's approval; the run is paused (no worker holds it) until every
 * approval of the pause is decided, or ends with error `approval_expired` at `expires_at`.
 */
export interface ApprovalRequiredEvent {
  approval_id: string
  arguments: {
    [k: string]: unknown | undefined
  }
  call_id: string
  expires_at: number
  message: string
  seq: number
  task_id: string
  tool: string
  type: 'approval_required'
}
export interface ApprovalResult {
  approval_id: string
  status: 'resumed' | 'recorded'
  task_id: string
}
export interface CancelResult {
  status: string
  task_id: string
}
/**
 * Terminal: the run was cancelled on request (or because its client left with on_disconnect=cancel).
 */
export interface CancelledEvent {
  message: string
  seq: number
  task_id: string
  type: 'cancelled'
}
/**
 * How the client may chart a result: `kind` over the column `x`, one series per column in `y`.
 */
export interface ChartSuggestion {
  kind: 'bar' | 'line'
  x: string
  y: string[]
}
/**
 * POST /ai/api/chat: a turn's whole answer, once it ended.
 */
export interface ChatAnswer {
  data?: QueryData[]
  error?: AnswerError | null
  response: string
  session_id: string
  status: 'complete' | 'error' | 'cancelled'
  task_id: string
  timings: Timings
  tool_calls?: ToolCall[]
  usage?: Usage
  workflow?: WorkflowStep[]
}
/**
 * The full result of one query for the client (also kept on the transcript's tool step).
 */
export interface QueryData {
  call_id: string
  chart: ChartSuggestion | null
  columns: string[]
  name: string
  row_count: number
  rows: unknown[][]
  sql: string
  truncated: boolean
}
export interface Timings {
  first_event_ms?: number | null
  first_token_ms?: number | null
  total_ms?: number
}
export interface ToolCall {
  arguments: {
    [k: string]: unknown | undefined
  }
  call_id: string
  duration_ms?: number
  is_error?: boolean
  name: string
  output?: unknown
}
export interface Usage {
  input_tokens: number
  output_tokens: number
  total_tokens: number
}
export interface WorkflowStep {
  duration_ms: number
  name: string
  step: number
}
/**
 * POST /ai/api/chat/stream and POST /ai/api/chat.
 */
export interface ChatRequest {
  agent?: string | null
  edit?: string | null
  message?: string | null
  multitask?: 'reject' | 'enqueue' | 'interrupt'
  on_disconnect?: 'continue' | 'cancel'
  parts?: (TextPart | ImagePart | FilePart)[] | null
  regenerate?: string | null
  session_id?: string | null
}
export interface TextPart {
  text: string
  type: 'text'
}
export interface ImagePart {
  detail?: 'auto' | 'low' | 'high'
  image_url: string
  type: 'image'
}
export interface FilePart {
  data: string
  filename: string
  media_type: string
  type: 'file'
}
/**
 * Terminal: the run finished; `response` is the whole answer.
 */
export interface CompleteEvent {
  duration_ms: number
  response: string
  seq: number
  session_id: string
  task_id: string
  tools: string[]
  type: 'complete'
  usage: Usage
  workflow: WorkflowStep[]
}
/**
 * POST /v1/chat/completions (the fields the facade uses; the rest of OpenAI's are accepted and ignored).
 */
export interface CompletionRequest {
  /**
   * @minItems 1
   */
  messages: [Message, ...Message[]]
  model: string
  stream?: boolean
  stream_options?: {
    [k: string]: unknown | undefined
  } | null
}
export interface Message {
  content?:
    | string
    | {
        [k: string]: unknown | undefined
      }[]
    | null
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool'
}
/**
 * The full result of the call `call_id`, emitted right after its tool_result (the QueryData fields
 * after `task_id`, `seq` and `type`, like every event).
 */
export interface DataEvent {
  call_id: string
  chart: ChartSuggestion | null
  columns: string[]
  name: string
  row_count: number
  rows: unknown[][]
  seq: number
  sql: string
  task_id: string
  truncated: boolean
  type: 'data'
}
/**
 * Terminal: the run failed. `code` is one of ERROR_CODES; `message` is safe to show a user.
 */
export interface ErrorEvent {
  code: string
  message: string
  seq: number
  task_id: string
  type: 'error'
}
/**
 * First event of every task: the conversation it belongs to (new or continued).
 */
export interface SessionEvent {
  seq: number
  session_id: string
  task_id: string
  type: 'session'
}
/**
 * A new attempt restarts the answer (the previous worker died or handed the task back).
 */
export interface RetryEvent {
  attempt: number
  message: string
  seq: number
  task_id: string
  type: 'retry'
}
/**
 * A tool call started.
 */
export interface ToolEvent {
  arguments: {
    [k: string]: unknown | undefined
  }
  call_id: string
  message: string
  name: string
  seq: number
  task_id: string
  type: 'tool'
}
/**
 * A tool call returned. `output` is parsed JSON when the tool returned JSON, else text.
 */
export interface ToolResultEvent {
  call_id: string
  duration_ms: number
  is_error: boolean
  name: string
  output: unknown
  seq: number
  task_id: string
  type: 'tool_result'
}
/**
 * A piece of the answer (workers may coalesce several model deltas into one event).
 */
export interface TokenEvent {
  content: string
  seq: number
  task_id: string
  type: 'token'
}
/**
 * Where the agent is in its workflow: `step` counts the run's progress events (1, 2, ...), `total`
 * is how many there will be when that is known (else None), `elapsed_ms` is since the run started.
 */
export interface ProgressEvent {
  elapsed_ms: number
  message: string
  seq: number
  stage: 'understanding' | 'exploring_schema' | 'querying' | 'validating' | 'answering'
  step: number
  task_id: string
  total: number | null
  type: 'progress'
}
export interface Feedback {
  comment: string
  rating: 'up' | 'down'
  updated_at: number
}
/**
 * PUT /ai/api/sessions/{id}/feedback/{task_id}: thumbs up or down, optional comment.
 */
export interface FeedbackRequest {
  comment?: string
  rating: 'up' | 'down'
}
export interface HTTPValidationError {
  detail?: ValidationError[]
}
export interface ValidationError {
  ctx?: {}
  input?: unknown
  loc: (string | number)[]
  msg: string
  type: string
}
/**
 * GET /ai/api/health (200, or 503 when Redis is unreachable: then only the first four fields).
 * With Redis up it also reports `warnings`, `schema_cache`, `capacity` and `workers` (see the route).
 */
export interface Health {
  models?: string[]
  protocol: number
  queue_depth?: number
  redis_status: string
  status: 'healthy' | 'degraded' | 'unhealthy'
  version: string
  warnings?: string[]
  workers_alive?: number
  [k: string]: unknown | undefined
}
export interface Me {
  kind: 'user' | 'key'
  name: string | null
  owner: string
  via: 'key' | 'token' | 'proxy'
}
/**
 * What the transcript keeps of one part: a text in full, an image or a file by type, name, media type
 * and size (and an image's https URL), never its data.
 */
export interface PartRecord {
  detail: string | null
  filename: string | null
  media_type: string | null
  size: number | null
  text: string | null
  type: 'text' | 'image' | 'file'
  url: string | null
}
/**
 * The body of a 429: which limit the request hit (Retry-After says when to try again).
 */
export interface Refusal {
  detail: string
  limit: 'user_rate' | 'key_rate' | 'user_streams' | 'key_streams' | 'share_rate'
}
/**
 * PATCH /ai/api/sessions/{id}: a new title (trimmed; 1..200 characters).
 */
export interface RenameRequest {
  title: string
}
export interface SessionDetail {
  active_task: string | null
  agent: string
  created_at: number | null
  message_count: number
  messages: SessionMessage[]
  session_id: string
  title: string
  updated_at: number | null
}
/**
 * A transcript message as GET /ai/api/sessions/{id} sends it: assistant messages carry `feedback`
 * (null when none was given); user messages have no `feedback` key.
 */
export interface SessionMessage {
  created_at: number
  feedback?: Feedback | null
  parts: PartRecord[]
  role: 'user' | 'assistant'
  status: ('completed' | 'failed' | 'cancelled') | null
  task_id: string
  text: string
  tools: ToolStep[]
  versions: TurnVersion[]
}
export interface ToolStep {
  arguments: {
    [k: string]: unknown | undefined
  }
  call_id: string
  data: QueryData | null
  duration_ms: number
  is_error: boolean
  message: string
  name: string
  output: unknown
}
/**
 * One replaced version of a turn: the question as it was then, its answer, and the turns after it.
 */
export interface TurnVersion {
  answer: TranscriptMessage
  question: string
  tail: TranscriptMessage[]
}
export interface TranscriptMessage {
  created_at: number
  parts: PartRecord[]
  role: 'user' | 'assistant'
  status: ('completed' | 'failed' | 'cancelled') | null
  task_id: string
  text: string
  tools: ToolStep[]
  versions: TurnVersion[]
}
export interface SessionList {
  sessions: SessionSummary[]
}
/**
 * One conversation in GET /ai/api/sessions (and the body of PATCH /ai/api/sessions/{id}).
 */
export interface SessionSummary {
  active_task: string | null
  agent: string
  created_at: number | null
  message_count: number
  session_id: string
  title: string
  updated_at: number | null
}
export interface SessionMatch {
  active_task: string | null
  agent: string
  created_at: number | null
  match: string | null
  message_count: number
  session_id: string
  title: string
  updated_at: number | null
}
/**
 * GET /ai/api/sessions?q=: matching sessions; `searched` counts the sessions read, `truncated`
 * says the owner has more than the search reads.
 */
export interface SessionSearch {
  searched: number
  sessions: SessionMatch[]
  truncated: boolean
}
/**
 * POST /ai/api/sessions/{id}/shares, and each item of GET /ai/api/shares.
 */
export interface ShareLink {
  created_at: number
  expires_at: number | null
  session_id: string
  share_id: string
  title: string
  url: string
}
export interface ShareList {
  shares: ShareLink[]
}
/**
 * GET /ai/api/shared/{id} (no key): a snapshot, without owner, session id or feedback.
 */
export interface SharedConversation {
  messages: TranscriptMessage[]
  share_id: string
  shared_at: number
  title: string
}
/**
 * GET /ai/api/tasks/{id}.
 */
export interface TaskState {
  attempts: number
  cancel_requested: boolean
  created_at: number | null
  events_url: string
  finished_at: number | null
  message: string | null
  replaces: string | null
  session_id: string | null
  started_at: number | null
  status: string
  task_id: string
  worker: string | null
}
/**
 * GET /ai/api/ui-config (no key).
 */
export interface UiConfig {
  api_key_hint: string | null
  demo_token: string | null
  tokens: boolean
  upload_max_bytes: number
}
