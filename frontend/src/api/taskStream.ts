import { ApiError } from './apiError'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff'
import { authHeaders } from './credentials'
import { sseFrames } from './sseFrames'
import type * as Wire from './generated/wire'
import { isTerminal, parseEvent, type AgentEvent } from './types'

/**
 * One task's event stream, across however many HTTP connections it takes.
 *
 * The POST starts the run exactly once; after a drop (network error, stream end without a terminal
 * event, or a draining gateway's `reconnect` frame) the stream is *rejoined* with
 * GET /ai/api/tasks/{id}/events and `Last-Event-ID: <last seq>` — never re-POSTed, which would start a
 * second run. Events are de-duplicated by seq, so a replay overlap can never duplicate answer text.
 * It stops after the terminal event (complete | error | cancelled), or when the task is gone (204).
 */

/** The body of POST /ai/api/chat/stream, as the backend declares it. */
export type ChatRequest = Wire.ChatRequest

export type ConnectionState = 'connecting' | 'streaming' | 'reconnecting' | 'closed'

export type StreamOutcome =
  | { kind: 'terminal'; event: AgentEvent }
  | { kind: 'gone' }
  | { kind: 'aborted' }
  | { kind: 'lost'; error: unknown }

export interface TaskStreamOptions {
  apiKey: string
  /** A signed-in user's bearer token (sent with the key, if any). */
  token?: string
  baseUrl?: string
  fetch?: typeof fetch
  backoff?: BackoffOptions
  maxReconnects?: number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  onEvent: (event: AgentEvent) => void
  onTaskId?: (taskId: string) => void
  onConnection?: (state: ConnectionState, attempt: number) => void
}

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })

export class TaskStream {
  taskId: string | null
  lastSeq: number
  private readonly opts: TaskStreamOptions
  private readonly controller = new AbortController()
  private serverRetryMs: number | null = null

  constructor(opts: TaskStreamOptions, resume?: { taskId: string; lastSeq: number }) {
    this.opts = opts
    this.taskId = resume?.taskId ?? null
    this.lastSeq = resume?.lastSeq ?? -1
  }

  get aborted(): boolean {
    return this.controller.signal.aborted
  }

  /** Stops reading (the run itself continues server-side; cancelling is a separate POST). */
  abort(): void {
    this.controller.abort()
  }

  /** POSTs the message. Throws ApiError for a non-2xx answer (nothing was started). */
  async start(request: ChatRequest): Promise<StreamOutcome> {
    this.emitConnection('connecting', 0)
    let res: Response
    try {
      res = await this.fetch('/ai/api/chat/stream', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...authHeaders(this.opts) },
        body: JSON.stringify({ on_disconnect: 'continue', multitask: 'reject', ...request }),
      })
    } catch (error) {
      this.emitConnection('closed', 0)
      if (this.aborted) return { kind: 'aborted' }
      throw error
    }
    if (!res.ok || !res.body) {
      this.emitConnection('closed', 0)
      throw await ApiError.from(res)
    }
    const headerId = res.headers.get('X-Task-ID')
    if (headerId) this.setTaskId(headerId)
    const first = await this.consume(res)
    if (first) return this.finish(first)
    return this.follow(1)
  }

  /** Rejoins a known task from lastSeq (page reload, or after a drop). */
  async rejoin(): Promise<StreamOutcome> {
    return this.follow(0)
  }

  private async follow(firstAttempt: number): Promise<StreamOutcome> {
    const max = this.opts.maxReconnects ?? 8
    let attempt = firstAttempt
    let lastError: unknown = null
    while (!this.aborted) {
      if (!this.taskId) return this.finish({ kind: 'lost', error: new Error('The connection dropped before the task started.') })
      if (attempt > max) return this.finish({ kind: 'lost', error: lastError })
      if (attempt > 0) {
        this.emitConnection('reconnecting', attempt)
        const advised = this.serverRetryMs
        this.serverRetryMs = null
        const delay = advised ?? backoffDelay(attempt, this.opts.backoff ?? DEFAULT_BACKOFF)
        await (this.opts.sleep ?? abortableSleep)(delay, this.controller.signal)
        if (this.aborted) break
      } else {
        this.emitConnection('connecting', 0)
      }
      const before = this.lastSeq
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream', ...authHeaders(this.opts) }
        if (this.lastSeq >= 0) headers['Last-Event-ID'] = String(this.lastSeq)
        const res = await this.fetch(`/ai/api/tasks/${encodeURIComponent(this.taskId)}/events`, { headers })
        if (res.status === 204) return this.finish({ kind: 'gone' })
        if (!res.ok || !res.body) {
          const error = await ApiError.from(res)
          // Client errors will not heal by retrying; server/limit errors might.
          if (error.status < 500 && error.status !== 429 && error.status !== 408) return this.finish({ kind: 'lost', error })
          if (error.retryAfterS !== null) this.serverRetryMs = error.retryAfterS * 1000
          lastError = error
          attempt += 1
          continue
        }
        const outcome = await this.consume(res)
        if (outcome) return this.finish(outcome)
      } catch (error) {
        if (this.aborted) break
        lastError = error
      }
      attempt = this.lastSeq > before ? 1 : attempt + 1
    }
    return this.finish({ kind: 'aborted' })
  }

  /** Reads one response; returns an outcome when the stream is over, or null when it must be rejoined. */
  private async consume(res: Response): Promise<StreamOutcome | null> {
    this.emitConnection('streaming', 0)
    try {
      for await (const frame of sseFrames(res.body!, (ms) => { this.serverRetryMs = ms })) {
        if (this.aborted) return { kind: 'aborted' }
        if (frame.event === 'reconnect') return null
        const event = parseEvent(frame.data)
        if (!event) continue
        if (!this.taskId && event.task_id) this.setTaskId(event.task_id)
        if (event.seq <= this.lastSeq) continue
        this.lastSeq = event.seq
        this.opts.onEvent(event)
        if (isTerminal(event)) return { kind: 'terminal', event }
      }
    } catch (error) {
      if (this.aborted) return { kind: 'aborted' }
      // a network drop mid-stream: rejoin
      void error
    }
    return this.aborted ? { kind: 'aborted' } : null
  }

  private finish(outcome: StreamOutcome): StreamOutcome {
    this.emitConnection('closed', 0)
    return outcome
  }

  private setTaskId(id: string) {
    if (this.taskId === id) return
    this.taskId = id
    this.opts.onTaskId?.(id)
  }

  private emitConnection(state: ConnectionState, attempt: number) {
    this.opts.onConnection?.(state, attempt)
  }

  private fetch(path: string, init: RequestInit): Promise<Response> {
    const f = this.opts.fetch ?? globalThis.fetch.bind(globalThis)
    return f((this.opts.baseUrl ?? '') + path, { ...init, signal: this.controller.signal, cache: 'no-store' })
  }
}
