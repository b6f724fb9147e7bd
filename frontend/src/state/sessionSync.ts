import type { SessionDetail, SessionSummary } from '../api/types'
import { fromTranscript, type AssistantMessage, type ChatMessage } from './chatModel'

/**
 * Keeping a tab in step with what the same user does elsewhere (another tab, another device): a run
 * started there shows here with its question and its live answer, a turn finished there appears here,
 * and the sidebar marks conversations with a run in progress.
 *
 * How: the tab re-reads the session list (GET /ai/api/sessions, which the sidebar shows anyway) when it
 * becomes visible and every SYNC_MS while it is visible; a hidden tab asks nothing. Each summary carries
 * the session's `updated_at` (moved by every enqueue and every appended turn) and its `active_task`. Only
 * when the open conversation's summary says something happened that the screen does not show does the
 * tab read the conversation itself (GET /ai/api/sessions/{id}); if that holds a turn or a run the screen
 * lacks, the tab shows it and follows the run from its first event (GET /ai/api/tasks/{id}/events), as a
 * reopened conversation does (sessionRestore.ts).
 *
 * Why polling and not a per-user notification stream: an idle stream costs less CPU than these polls,
 * but a stream per tab would hold an SSE connection and one of the user's open-stream slots (MAX_STREAMS_PER_USER, 20 by default) for as long as the tab is
 * open, visible or not, and the gateway would need a per-owner channel written on every enqueue and
 * every terminal event (in the event log's script, which both services share). The list read is one
 * ZREVRANGE plus one pipelined HGETALL per listed session, a request the gateway serves anyway. Measured
 * on the real stack (one gateway process, 50 sessions listed, a 2-core machine shared with other work):
 * 1.4 ms of gateway CPU per list (p50 1.9 ms), 0.6 ms per conversation read. At SYNC_MS = 5 s a visible
 * tab costs about 0.3 ms of CPU a second, so one gateway core serves some 3,500 tabs being looked at; a
 * hidden tab costs nothing, so the load follows the people looking, not the tabs left open. The price is
 * latency: a run started elsewhere shows here within SYNC_MS, and at once when the tab is brought to the
 * front, which is when a person looks at it.
 *
 * A run the tab itself reads is never joined twice: while any answer on screen is live the tab checks
 * nothing, and a run whose task is on screen counts as shown.
 */

export const SYNC_MS = 5000

/** Whether the open conversation's summary says something happened that the screen may not show:
 *  it moved since the tab last read it (`seen`: its `updated_at` then), or it runs a task not on screen. */
export function needsCheck(summary: SessionSummary | undefined, seen: number | null | undefined, shown: ChatMessage[]): boolean {
  if (!summary) return false // not among the newest listed: nothing happened in it lately
  if (summary.updated_at !== seen) return true
  return Boolean(summary.active_task) && !shown.some((m) => m.taskId === summary.active_task)
}

/** True when every turn of the stored conversation is on screen as it ended, and its active run too. */
export function showsAll(detail: SessionDetail, shown: ChatMessage[]): boolean {
  const onScreen = new Map(shown.map((m) => [`${m.kind}:${m.taskId}`, m]))
  for (const stored of fromTranscript(detail.messages)) {
    const here = onScreen.get(`${stored.kind}:${stored.taskId}`)
    if (!here) return false
    if (stored.kind === 'assistant' && (here as AssistantMessage).status !== stored.status) return false
  }
  return !detail.active_task || shown.some((m) => m.taskId === detail.active_task)
}
