import { TaskStream, type ConnectionState, type StreamOutcome } from '../api/taskStream'
import type { AgentEvent } from '../api/types'
import { applyEvent, type AssistantMessage, type UiError, type UserMessage } from './chatModel'
import { runEnd } from './runErrors'
import { clearRun, saveRun } from './runStore'

/**
 * The tab's one live run: reading a run's stream to its end, one at a time. Every event is applied to
 * the answer and saved with its seq (runStore), so a reload or a session switch can rejoin where it
 * left off. Reading a new run, or `detach`, stops reading the previous one; a stream that is no longer
 * the live one keeps saving its events but no longer shows anything (its session is not on screen).
 * What the end of a run means comes from runErrors.ts; the host (useChat) turns it into React state.
 */

export interface LiveRunHost {
  credentials: () => { apiKey: string; token: string }
  /** The session on screen (the run's first event may name a new one). */
  session: () => string | null
  /** The stream named a session that is not the one on screen (a new chat's first event). */
  followSession: (sessionId: string) => void
  showAnswer: (answer: AssistantMessage) => void
  showUser: (user: UserMessage) => void
  showConnection: (state: ConnectionState, attempt: number) => void
  needKey: () => void
  sessionsChanged: () => void
}

export type Resume = { taskId: string; lastSeq: number }

export class LiveRun {
  private stream: TaskStream | null = null
  private readonly host: LiveRunHost

  constructor(host: LiveRunHost) {
    this.host = host
  }

  /** Stops reading the live run (the run continues on the server). */
  detach(): void {
    this.stream?.abort()
    this.stream = null
  }

  /** Reads a run to its end, keeping the answer and its stored cursor in step; resolves to the last answer. */
  async read(asked: UserMessage, initial: AssistantMessage, begin: (s: TaskStream) => Promise<StreamOutcome>, resume?: Resume): Promise<AssistantMessage> {
    const host = this.host
    let answer = initial
    let user = asked
    const live = () => this.stream === stream
    const stream = new TaskStream(
      {
        ...host.credentials(),
        onEvent: (event: AgentEvent) => {
          if (event.type === 'session' && host.session() !== event.session_id) {
            host.followSession(event.session_id)
            host.sessionsChanged()
          }
          answer = applyEvent(answer, event)
          const sid = host.session()
          if (sid && stream.taskId) saveRun({ sessionId: sid, taskId: stream.taskId, lastSeq: event.seq, user, answer })
          if (live()) host.showAnswer(answer)
        },
        onTaskId: (taskId) => {
          answer = { ...answer, taskId }
          user = { ...user, taskId }
          if (live()) {
            host.showAnswer(answer)
            host.showUser(user)
          }
        },
        onConnection: (state, attempt) => {
          if (live()) host.showConnection(state, attempt)
        },
      },
      resume,
    )
    this.stream?.abort()
    this.stream = stream
    const fail = (error: UiError) => {
      answer = { ...answer, status: 'failed', stopping: false, error }
      if (live()) host.showAnswer(answer)
    }
    try {
      const end = runEnd(await begin(stream).catch((error: unknown) => ({ kind: 'threw' as const, error })))
      const sid = host.session()
      if (end.forget && sid) clearRun(sid)
      if (end.error) fail(end.error)
      if (end.needKey) host.needKey()
      if (end.sessionsChanged) host.sessionsChanged()
    } finally {
      if (live()) this.stream = null
    }
    return answer
  }
}
