import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { ApiError } from '../api/apiError'
import { GatewayClient } from '../api/gatewayClient'
import { TaskStream, type ChatRequest, type ConnectionState, type StreamOutcome } from '../api/taskStream'
import type { AgentEvent } from '../api/types'
import {
  applyEvent, branchAt, isActive, newId, pendingAnswer,
  type AssistantMessage, type ChatMessage, type UiError, type UserMessage,
} from '../state/chatModel'
import { runEnd, toUiError } from '../state/runErrors'
import { clearRun, loadCurrentSession, loadRun, saveCurrentSession, saveRun, savedSeq } from '../state/runStore'
import { replayView, restorePlan } from '../state/sessionRestore'

/**
 * Orchestration of the conversation on screen and its one live run. Sending POSTs once; drops are
 * rejoined by TaskStream; every event is applied to the answer and saved with its seq (runStore) so a
 * reload or a session switch can rejoin where it left off. Switching sessions only stops *reading* a
 * run — the run continues on the server (on_disconnect=continue) and is rejoined when that session is
 * reopened. What a reopened session shows and rejoins is decided in state/sessionRestore.ts, what an
 * error or a run's end means in state/runErrors.ts; this hook wires them to React state.
 */

export interface ChatApi {
  messages: ChatMessage[]
  sessionId: string | null
  connection: ConnectionState
  reconnectAttempt: number
  running: boolean
  loadingSession: boolean
  send: (text: string) => void
  stop: () => void
  retry: (answerId: string) => void
  /** Asks the question of this (last) answer again; the old answer stays as an earlier version. */
  regenerate: (answerId: string) => void
  /** Replaces this user message with `text` and answers that (the conversation is cut there). */
  edit: (userId: string, text: string) => void
  openSession: (id: string) => void
  newChat: () => void
  forgetSession: (id: string) => void
}

interface Options {
  apiKey: string
  /** A signed-in user's bearer token (the user then owns the conversations). */
  token?: string
  onNeedKey: (reason: 'missing' | 'rejected') => void
  onSessionsChanged: () => void
}

export function useChat({ apiKey, token = '', onNeedKey, onSessionsChanged }: Options): ChatApi {
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [sessionId, setSessionId] = useState<string | null>(null)
  const [connection, setConnection] = useState<ConnectionState>('closed')
  const [reconnectAttempt, setReconnectAttempt] = useState(0)
  const [loadingSession, setLoadingSession] = useState(false)
  const streamRef = useRef<TaskStream | null>(null)
  const sessionRef = useRef<string | null>(null)
  const viewToken = useRef(0)
  const client = useMemo(() => new GatewayClient(apiKey, '', token), [apiKey, token])
  const latest = useRef({ apiKey, token, onNeedKey, onSessionsChanged })
  useLayoutEffect(() => {
    latest.current = { apiKey, token, onNeedKey, onSessionsChanged }
  })

  const setSession = useCallback((id: string | null) => {
    sessionRef.current = id
    setSessionId(id)
    saveCurrentSession(id)
  }, [])

  const replaceAnswer = useCallback((answer: AssistantMessage) => {
    setMessages((ms) => ms.map((m) => (m.id === answer.id ? answer : m)))
  }, [])

  const detach = useCallback(() => {
    streamRef.current?.abort()
    streamRef.current = null
    setConnection('closed')
  }, [])

  /** Reads a run to its end, keeping the answer and its stored cursor in step. */
  const run = useCallback(
    async (asked: UserMessage, initial: AssistantMessage, begin: (s: TaskStream) => Promise<StreamOutcome>, resume?: { taskId: string; lastSeq: number }) => {
      let answer = initial
      let user = asked
      const stream = new TaskStream(
        {
          apiKey: latest.current.apiKey,
          token: latest.current.token,
          onEvent: (event: AgentEvent) => {
            if (event.type === 'session' && sessionRef.current !== event.session_id) {
              setSession(event.session_id)
              latest.current.onSessionsChanged()
            }
            answer = applyEvent(answer, event)
            const sid = sessionRef.current
            if (sid && stream.taskId) saveRun({ sessionId: sid, taskId: stream.taskId, lastSeq: event.seq, user, answer })
            if (streamRef.current === stream) replaceAnswer(answer)
          },
          onTaskId: (taskId) => {
            answer = { ...answer, taskId }
            user = { ...user, taskId }
            if (streamRef.current === stream) {
              replaceAnswer(answer)
              setMessages((ms) => ms.map((m) => (m.id === user.id ? user : m)))
            }
          },
          onConnection: (state, attempt) => {
            if (streamRef.current !== stream) return
            setConnection(state)
            setReconnectAttempt(attempt)
          },
        },
        resume,
      )
      streamRef.current?.abort()
      streamRef.current = stream
      const fail = (error: UiError) => {
        answer = { ...answer, status: 'failed', stopping: false, error }
        if (streamRef.current === stream) replaceAnswer(answer)
      }
      try {
        const end = runEnd(await begin(stream).catch((error: unknown) => ({ kind: 'threw' as const, error })))
        const sid = sessionRef.current
        if (end.forget && sid) clearRun(sid)
        if (end.error) fail(end.error)
        if (end.needKey) latest.current.onNeedKey('rejected')
        if (end.sessionsChanged) latest.current.onSessionsChanged()
      } finally {
        if (streamRef.current === stream) streamRef.current = null
      }
      return answer
    },
    [replaceAnswer, setSession],
  )

  const send = useCallback(
    (text: string) => {
      const message = text.trim()
      if (!message) return
      if (!latest.current.apiKey && !latest.current.token) {
        latest.current.onNeedKey('missing')
        return
      }
      const user: UserMessage = { kind: 'user', id: newId('u'), text: message }
      const answer = pendingAnswer(message)
      setMessages((ms) => [...ms, user, answer])
      void run(user, answer, (s) => s.start({ message, session_id: sessionRef.current }))
    },
    [run],
  )

  /** Regenerate / edit: cut the conversation at the user message `userIndex` and run `request`. */
  const branch = useCallback(
    (userIndex: number, text: string, what: 'regenerate' | 'edit', request: (taskId: string) => ChatRequest) => {
      const target = messages[userIndex]
      if (target?.kind !== 'user' || !target.taskId || messages.some(isActive)) return
      const { before, versions } = branchAt(messages, userIndex)
      const user: UserMessage = { kind: 'user', id: newId('u'), text }
      const answer = { ...pendingAnswer(text), versions }
      const previous = messages
      setMessages([...before, user, answer])
      void run(user, answer, (s) => s.start(request(target.taskId!))).then((final) => {
        if (final.taskId || !final.error) return
        // Refused before anything started (409, 404...): the server kept the conversation as it was.
        const notice = `Could not ${what}: ${final.error.message}`
        const replaced = previous[userIndex + 1]
        const restored = previous.map((m) => (m === replaced && m.kind === 'assistant' ? { ...m, notice } : m))
        setMessages((ms) => (ms.at(-1)?.id === answer.id ? restored : ms))
      })
    },
    [messages, run],
  )

  const regenerate = useCallback(
    (answerId: string) => {
      const i = messages.findIndex((m) => m.id === answerId)
      const user = messages[i - 1]
      if (i < 1 || user?.kind !== 'user') return
      branch(i - 1, user.text, 'regenerate', (taskId) => ({ session_id: sessionRef.current, regenerate: taskId }))
    },
    [branch, messages],
  )

  const edit = useCallback(
    (userId: string, text: string) => {
      const message = text.trim()
      if (!message) return
      const i = messages.findIndex((m) => m.id === userId)
      branch(i, message, 'edit', (taskId) => ({ message, session_id: sessionRef.current, edit: taskId }))
    },
    [branch, messages],
  )

  /** Opens a session: its transcript, plus its unfinished run (if this tab was reading one) rejoined. */
  const openSession = useCallback(
    async (id: string) => {
      detach()
      const token = ++viewToken.current
      setSession(id)
      setMessages([])
      setLoadingSession(true)
      try {
        const detail = await client.getSession(id)
        if (token !== viewToken.current) return
        const plan = restorePlan(detail, loadRun(id))
        if (plan.kind === 'rejoin') {
          const { user, answer, taskId, lastSeq } = plan.run
          setMessages(plan.messages)
          void run(user, answer, (s) => s.rejoin(), { taskId, lastSeq })
        } else if (plan.kind === 'replay') {
          if (plan.forget) clearRun(id)
          const state = await client.getTask(plan.taskId).catch(() => null)
          if (token !== viewToken.current) return
          const view = replayView(plan.history, plan.taskId, state)
          setMessages(view.messages)
          void run(view.user, view.answer, (s) => s.rejoin(), { taskId: plan.taskId, lastSeq: -1 })
        } else {
          if (plan.forget) clearRun(id)
          setMessages(plan.messages)
        }
      } catch (error) {
        if (token !== viewToken.current) return
        if (error instanceof ApiError && error.status === 404) {
          clearRun(id)
          setSession(null)
          latest.current.onSessionsChanged()
        } else if (error instanceof ApiError && error.status === 401) {
          latest.current.onNeedKey('rejected')
        }
      } finally {
        if (token === viewToken.current) setLoadingSession(false)
      }
    },
    [client, detach, run, setSession],
  )

  const newChat = useCallback(() => {
    detach()
    viewToken.current += 1
    setSession(null)
    setMessages([])
    setLoadingSession(false)
  }, [detach, setSession])

  const stop = useCallback(() => {
    const answer = messages.findLast((m): m is AssistantMessage => m.kind === 'assistant' && isActive(m))
    if (!answer?.taskId) return
    replaceAnswer({ ...answer, stopping: true })
    client.cancelTask(answer.taskId).catch((error: unknown) => {
      replaceAnswer({ ...answer, stopping: false, notice: `Could not stop: ${toUiError(error).message}` })
    })
  }, [client, messages, replaceAnswer])

  const retry = useCallback(
    (answerId: string) => {
      const answer = messages.find((m): m is AssistantMessage => m.id === answerId && m.kind === 'assistant')
      if (!answer) return
      if (answer.error?.kind === 'connection' && answer.taskId) {
        const before = messages[messages.indexOf(answer) - 1]
        const user: UserMessage = before?.kind === 'user' ? before : { kind: 'user', id: newId('u'), text: answer.question }
        const resumed = { ...answer, status: 'streaming' as const, error: undefined }
        replaceAnswer(resumed)
        void run(user, resumed, (s) => s.rejoin(), { taskId: answer.taskId, lastSeq: savedSeq(sessionRef.current) })
        return
      }
      if (!answer.taskId) {
        // Nothing was started: take the failed attempt off the screen and send again.
        setMessages((ms) => {
          const i = ms.findIndex((m) => m.id === answerId)
          return i > 0 ? [...ms.slice(0, i - 1), ...ms.slice(i + 1)] : ms
        })
      }
      send(answer.question)
    },
    [messages, replaceAnswer, run, send],
  )

  const forgetSession = useCallback(
    (id: string) => {
      clearRun(id)
      if (sessionRef.current === id) newChat()
    },
    [newChat],
  )

  // Reload: reopen the tab's current session (and rejoin its run) once.
  const restored = useRef(false)
  useEffect(() => {
    if (restored.current || !(apiKey || token)) return
    restored.current = true
    const current = loadCurrentSession()
    // oxlint-disable-next-line react/set-state-in-effect -- restoring the tab's session from sessionStorage
    if (current) void openSession(current)
  }, [apiKey, token, openSession])

  useEffect(() => () => streamRef.current?.abort(), [])

  return {
    messages,
    sessionId,
    connection,
    reconnectAttempt,
    running: messages.some(isActive),
    loadingSession,
    send,
    stop,
    retry,
    regenerate,
    edit,
    openSession: (id: string) => void openSession(id),
    newChat,
    forgetSession,
  }
}
