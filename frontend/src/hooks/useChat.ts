import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { GatewayClient } from '../api/gatewayClient'
import type { FilePart } from '../api/generated/wire'
import type { ChatRequest, ConnectionState } from '../api/taskStream'
import { partSize } from '../lib/attachments'
import type { SessionDetail, SessionSummary } from '../api/types'
import { isActive, newId, pendingAnswer, type AssistantMessage, type ChatMessage, type UserMessage } from '../state/chatModel'
import { LiveRun } from '../state/liveRun'
import { openFailure, toUiError } from '../state/runErrors'
import { clearRun, loadCurrentSession, saveCurrentSession, savedSeq } from '../state/runStore'
import { restoreSession, type RestoreView } from '../state/sessionRestore'
import { needsCheck, showsAll } from '../state/sessionSync'
import { branchTurn, refusedBranch, retryPlan, withoutAttempt } from '../state/turnEdits'

/**
 * Orchestration of the conversation on screen and its one live run. Sending POSTs once; drops are
 * rejoined by TaskStream. Switching sessions only stops *reading* a run — the run continues on the
 * server (on_disconnect=continue) and is rejoined when that session is reopened. Reading a run and
 * saving its events is state/liveRun.ts's, what a reopened session shows and rejoins
 * state/sessionRestore.ts's, what a regenerate, an edit or a retry does to the conversation
 * state/turnEdits.ts's, what an error or a run's end means state/runErrors.ts's, when a run or a turn
 * from elsewhere must be shown state/sessionSync.ts's; this hook wires them to React state.
 */

export interface ChatApi {
  messages: ChatMessage[]
  sessionId: string | null
  /** The agent of the conversation on screen (null: a new chat, or not known yet). */
  agent: string | null
  connection: ConnectionState
  reconnectAttempt: number
  running: boolean
  loadingSession: boolean
  /** Asks `text` (with `files` attached as file parts, if any) in the open conversation or a new one. */
  send: (text: string, files?: FilePart[]) => void
  stop: () => void
  retry: (answerId: string) => void
  /** Asks the question of this (last) answer again; the old answer stays as an earlier version. */
  regenerate: (answerId: string) => void
  /** Replaces this user message with `text` and answers that (the conversation is cut there). */
  edit: (userId: string, text: string) => void
  openSession: (id: string) => void
  newChat: () => void
  forgetSession: (id: string) => void
  /** Shows what the session list says happened elsewhere in the open conversation (sessionSync.ts). */
  sync: (sessions: SessionSummary[]) => void
}

interface Options {
  apiKey: string
  /** A signed-in user's bearer token (the user then owns the conversations). */
  token?: string
  /** The agent a new conversation is started with (null: name none, the gateway's default answers). */
  agent?: string | null
  onNeedKey: (reason: 'missing' | 'rejected') => void
  onSessionsChanged: () => void
}

export function useChat({ apiKey, token = '', agent = null, onNeedKey, onSessionsChanged }: Options): ChatApi {
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [sessionId, setSessionId] = useState<string | null>(null)
  const [sessionAgent, setSessionAgent] = useState<string | null>(null)
  const [connection, setConnection] = useState<ConnectionState>('closed')
  const [reconnectAttempt, setReconnectAttempt] = useState(0)
  const [loadingSession, setLoadingSession] = useState(false)
  const sessionRef = useRef<string | null>(null)
  const viewToken = useRef(0)
  const client = useMemo(() => new GatewayClient(apiKey, '', token), [apiKey, token])
  const latest = useRef({ apiKey, token, agent, onNeedKey, onSessionsChanged, messages, loadingSession })
  useLayoutEffect(() => {
    latest.current = { apiKey, token, agent, onNeedKey, onSessionsChanged, messages, loadingSession }
  })
  /** The open session's `updated_at` when this tab last read it (sessionSync.ts). */
  const seen = useRef<number | null | undefined>(undefined)
  /** The agent the new chat on screen was sent to, until its session is known. */
  const startedWith = useRef<string | null>(null)

  const setSession = useCallback((id: string | null) => {
    sessionRef.current = id
    setSessionId(id)
    saveCurrentSession(id)
  }, [])

  const replaceAnswer = useCallback((answer: AssistantMessage) => {
    setMessages((ms) => ms.map((m) => (m.id === answer.id ? answer : m)))
  }, [])

  const liveRef = useRef<LiveRun | null>(null)
  /** The tab's one live run, made on first use (outside render: its host reads refs when called). */
  const live = useCallback(
    () =>
      (liveRef.current ??= new LiveRun({
        credentials: () => ({ apiKey: latest.current.apiKey, token: latest.current.token }),
        session: () => sessionRef.current,
        followSession: (id) => {
          setSession(id)
          setSessionAgent(startedWith.current)
        },
        showAnswer: replaceAnswer,
        showUser: (user) => setMessages((ms) => ms.map((m) => (m.id === user.id ? user : m))),
        showConnection: (state, attempt) => {
          setConnection(state)
          setReconnectAttempt(attempt)
        },
        needKey: () => latest.current.onNeedKey('rejected'),
        sessionsChanged: () => latest.current.onSessionsChanged(),
      })),
    [replaceAnswer, setSession],
  )

  const detach = useCallback(() => {
    liveRef.current?.detach()
    setConnection('closed')
  }, [])

  const send = useCallback(
    (text: string, files: FilePart[] = []) => {
      const message = text.trim()
      if (!message && !files.length) return
      if (!latest.current.apiKey && !latest.current.token) {
        latest.current.onNeedKey('missing')
        return
      }
      const attachments = files.map((f) => ({ filename: f.filename, size: partSize(f) }))
      const shown = message || `[${files.map((f) => f.filename).join(', ')}]` // as the transcript words it
      const user: UserMessage = { kind: 'user', id: newId('u'), text: shown, ...(files.length ? { attachments } : {}) }
      const answer = pendingAnswer(shown)
      setMessages((ms) => [...ms, user, answer])
      const session_id = sessionRef.current
      const named = session_id ? null : latest.current.agent // a conversation keeps its agent
      if (!session_id) startedWith.current = named
      const question = files.length
        ? { parts: [...(message ? [{ type: 'text' as const, text: message }] : []), ...files] }
        : { message }
      void live().read(user, answer, (s) => s.start({ ...question, session_id, ...(named ? { agent: named } : {}) }))
    },
    [live],
  )

  /** Regenerate / edit: cut the conversation at the user message `userIndex` and run `request`. */
  const branch = useCallback(
    (userIndex: number, text: string, what: 'regenerate' | 'edit', request: (taskId: string) => ChatRequest) => {
      const turn = branchTurn(messages, userIndex, text)
      if (!turn) return
      const previous = messages
      setMessages(turn.messages)
      void live().read(turn.user, turn.answer, (s) => s.start(request(turn.taskId))).then((final) => {
        if (final.taskId || !final.error) return
        const restored = refusedBranch(previous, userIndex, `Could not ${what}: ${final.error.message}`)
        setMessages((ms) => (ms.at(-1)?.id === turn.answer.id ? restored : ms))
      })
    },
    [messages, live],
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

  /** How a restore shows a session while the view is still `token`'s and `current`; `show`: whether to. */
  const restoreView = useCallback(
    (token: number, current: () => boolean, show: (detail: SessionDetail) => boolean): RestoreView => ({
      current: () => token === viewToken.current && current(),
      read: (detail) => {
        seen.current = detail.updated_at
        setSessionAgent(detail.agent)
        return show(detail)
      },
      show: setMessages,
      rejoin: (user, answer, resume) => void live().read(user, answer, (s) => s.rejoin(), resume),
    }),
    [live],
  )

  /** Opens a session: its transcript, plus its unfinished run (if this tab was reading one) rejoined. */
  const openSession = useCallback(
    async (id: string) => {
      detach()
      const token = ++viewToken.current
      setSession(id)
      setSessionAgent(null)
      seen.current = undefined
      setMessages([])
      setLoadingSession(true)
      try {
        await restoreSession(client, id, restoreView(token, () => true, () => true))
      } catch (error) {
        if (token !== viewToken.current) return
        const failure = openFailure(error)
        if (failure === 'gone') {
          clearRun(id)
          setSession(null)
          latest.current.onSessionsChanged()
        } else if (failure === 'rejected') {
          latest.current.onNeedKey('rejected')
        }
      } finally {
        if (token === viewToken.current) setLoadingSession(false)
      }
    },
    [client, detach, restoreView, setSession],
  )

  const sync = useCallback(
    (sessions: SessionSummary[]) => {
      const id = sessionRef.current
      const busy = () => latest.current.loadingSession || latest.current.messages.some(isActive)
      if (!id || busy()) return
      if (!needsCheck(sessions.find((s) => s.session_id === id), seen.current, latest.current.messages)) return
      const view = restoreView(viewToken.current, () => !busy(), (detail) => !showsAll(detail, latest.current.messages))
      restoreSession(client, id, view).catch(() => undefined) // checked again on the next poll
    },
    [client, restoreView],
  )

  const newChat = useCallback(() => {
    detach()
    viewToken.current += 1
    setSession(null)
    setSessionAgent(null)
    seen.current = undefined
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
      const plan = retryPlan(messages, answerId)
      if (plan?.kind === 'rejoin') {
        replaceAnswer(plan.answer)
        void live().read(plan.user, plan.answer, (s) => s.rejoin(), { taskId: plan.taskId, lastSeq: savedSeq(sessionRef.current) })
      } else if (plan) {
        if (plan.drop) setMessages((ms) => withoutAttempt(ms, answerId))
        send(plan.question)
      }
    },
    [messages, replaceAnswer, live, send],
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

  useEffect(() => () => liveRef.current?.detach(), [])

  return {
    messages,
    sessionId,
    agent: sessionAgent,
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
    sync,
  }
}
