import { ApiError } from './apiError'
import { authHeaders } from './credentials'
import type {
  ExportFormat, Feedback, Health, Me, Rating, SessionDetail, SessionSearch, SessionSummary, SharedConversation, ShareLink,
  TaskState, TranscriptMessage, UiConfig,
} from './types'

/**
 * The gateway's plain JSON endpoints (sessions, cancel, health). Same-origin /ai/api/...;
 * responses are normalised defensively so a bare list or a wrapped object both work.
 */
export class GatewayClient {
  private readonly apiKey: string
  private readonly baseUrl: string
  private readonly token: string

  constructor(apiKey: string, baseUrl = '', token = '') {
    this.apiKey = apiKey
    this.baseUrl = baseUrl
    this.token = token
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(this.baseUrl + path, {
      ...init,
      cache: 'no-store',
      headers: { Accept: 'application/json', ...authHeaders({ apiKey: this.apiKey, token: this.token }), ...(init.headers ?? {}) },
    })
    if (!res.ok) throw await ApiError.from(res)
    return res
  }

  async listSessions(): Promise<SessionSummary[]> {
    const body: unknown = await (await this.request('/ai/api/sessions')).json()
    const list = Array.isArray(body) ? body : ((body as { sessions?: unknown[] })?.sessions ?? [])
    return list.map((raw) => toSummary(raw as Record<string, unknown>))
  }

  async getSession(id: string): Promise<SessionDetail> {
    const body: unknown = await (await this.request(`/ai/api/sessions/${encodeURIComponent(id)}`)).json()
    if (Array.isArray(body)) {
      return { id, title: '', updated_at: null, message_count: body.length, messages: body as TranscriptMessage[], active_task: null }
    }
    const raw = body as Record<string, unknown>
    const messages = (raw.messages ?? raw.transcript ?? []) as TranscriptMessage[]
    const active = raw.active_task
    return { ...toSummary({ id, ...raw }), messages, active_task: typeof active === 'string' && active ? active : null }
  }

  async searchSessions(query: string, limit = 50): Promise<SessionSearch> {
    const params = new URLSearchParams({ q: query, limit: String(limit) })
    const body = (await (await this.request(`/ai/api/sessions?${params}`)).json()) as Record<string, unknown>
    const list = Array.isArray(body.sessions) ? (body.sessions as Record<string, unknown>[]) : []
    return {
      sessions: list.map((raw) => ({ ...toSummary(raw), match: typeof raw.match === 'string' ? raw.match : null })),
      searched: Number(body.searched ?? list.length),
      truncated: Boolean(body.truncated),
    }
  }

  async renameSession(id: string, title: string): Promise<SessionSummary> {
    const res = await this.request(`/ai/api/sessions/${encodeURIComponent(id)}`, {
      method: 'PATCH', body: JSON.stringify({ title }), headers: { 'Content-Type': 'application/json' },
    })
    return toSummary((await res.json()) as Record<string, unknown>)
  }

  /** The file's text and the name the server suggests for it. */
  async exportSession(id: string, format: ExportFormat): Promise<{ text: string; filename: string; type: string }> {
    const res = await this.request(`/ai/api/sessions/${encodeURIComponent(id)}/export?format=${format}`)
    const disposition = res.headers.get('Content-Disposition') ?? ''
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `conversation.${format === 'json' ? 'json' : 'md'}`
    return { text: await res.text(), filename, type: res.headers.get('Content-Type') ?? 'text/plain' }
  }

  async setFeedback(sessionId: string, taskId: string, rating: Rating, comment = ''): Promise<Feedback> {
    const res = await this.request(this.feedbackPath(sessionId, taskId), {
      method: 'PUT', body: JSON.stringify({ rating, comment }), headers: { 'Content-Type': 'application/json' },
    })
    return (await res.json()) as Feedback
  }

  async clearFeedback(sessionId: string, taskId: string): Promise<void> {
    await this.request(this.feedbackPath(sessionId, taskId), { method: 'DELETE' })
  }

  private feedbackPath(sessionId: string, taskId: string): string {
    return `/ai/api/sessions/${encodeURIComponent(sessionId)}/feedback/${encodeURIComponent(taskId)}`
  }

  async createShare(sessionId: string): Promise<ShareLink> {
    const res = await this.request(`/ai/api/sessions/${encodeURIComponent(sessionId)}/shares`, { method: 'POST' })
    return (await res.json()) as ShareLink
  }

  async listShares(): Promise<ShareLink[]> {
    const body = (await (await this.request('/ai/api/shares')).json()) as { shares?: ShareLink[] }
    return body.shares ?? []
  }

  async revokeShare(shareId: string): Promise<void> {
    await this.request(`/ai/api/shares/${encodeURIComponent(shareId)}`, { method: 'DELETE' })
  }

  async deleteSession(id: string): Promise<void> {
    await this.request(`/ai/api/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' })
  }

  /** Who the gateway takes these credentials for (GET /ai/api/me). */
  async me(): Promise<Me> {
    const raw = (await (await this.request('/ai/api/me')).json()) as Record<string, unknown>
    return {
      kind: raw.kind === 'user' ? 'user' : 'key',
      via: raw.via === 'token' || raw.via === 'proxy' ? raw.via : 'key',
      name: typeof raw.name === 'string' && raw.name ? raw.name : null,
      owner: String(raw.owner ?? ''),
    }
  }

  async getTask(taskId: string): Promise<TaskState> {
    const raw = (await (await this.request(`/ai/api/tasks/${encodeURIComponent(taskId)}`)).json()) as Record<string, unknown>
    const text = (v: unknown) => (typeof v === 'string' && v ? v : null)
    return {
      task_id: String(raw.task_id ?? taskId), status: String(raw.status ?? ''), session_id: text(raw.session_id),
      message: text(raw.message), replaces: text(raw.replaces), events_url: String(raw.events_url ?? ''),
    }
  }

  async cancelTask(taskId: string): Promise<void> {
    await this.request(`/ai/api/tasks/${encodeURIComponent(taskId)}/cancel`, { method: 'POST' })
  }
}

/** Health works with or without a key and reports 503 bodies too (they still list what is known). */
export async function fetchHealth(baseUrl = ''): Promise<Health> {
  const res = await fetch(baseUrl + '/ai/api/health', { cache: 'no-store', headers: { Accept: 'application/json' } })
  const raw = (await res.json().catch(() => ({}))) as Record<string, unknown>
  return {
    status: String(raw.status ?? (res.ok ? 'healthy' : 'unhealthy')),
    models: Array.isArray(raw.models) ? raw.models.map(String) : [],
    workers_alive: Number(raw.workers_alive ?? 0),
  }
}

export const NO_UI_CONFIG: UiConfig = { api_key_hint: null, tokens: false, demo_token: null }

/** A shared snapshot: no key is sent (the link's id is the only credential). */
export async function fetchShared(shareId: string, baseUrl = ''): Promise<SharedConversation> {
  const res = await fetch(`${baseUrl}/ai/api/shared/${encodeURIComponent(shareId)}`, {
    cache: 'no-store', headers: { Accept: 'application/json' },
  })
  if (!res.ok) throw await ApiError.from(res)
  return (await res.json()) as SharedConversation
}

/** What the gateway tells the UI before it has a key (e.g. the local stack's demo key and demo user). */
export async function fetchUiConfig(baseUrl = ''): Promise<UiConfig> {
  try {
    const res = await fetch(baseUrl + '/ai/api/ui-config', { cache: 'no-store', headers: { Accept: 'application/json' } })
    const raw = res.ok ? ((await res.json()) as Record<string, unknown>) : {}
    const text = (v: unknown) => (typeof v === 'string' && v ? v : null)
    return { api_key_hint: text(raw.api_key_hint), tokens: raw.tokens === true, demo_token: text(raw.demo_token) }
  } catch {
    return NO_UI_CONFIG
  }
}

function toSummary(raw: Record<string, unknown>): SessionSummary {
  return {
    id: String(raw.id ?? raw.session_id ?? ''),
    title: String(raw.title ?? ''),
    updated_at: (raw.updated_at as number | string | null) ?? null,
    message_count: Number(raw.message_count ?? 0),
  }
}
