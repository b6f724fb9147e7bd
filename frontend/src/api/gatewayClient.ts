import { ApiError } from './apiError'
import { authHeaders } from './credentials'
import type * as Wire from './generated/wire'
import type {
  AgentList, ApprovalDecision, ApprovalResult, ExportFormat, Feedback, Health, Me, Rating, SessionDetail, SessionSearch, SessionSummary, SharedConversation, ShareLink,
  TaskState, UiConfig,
} from './types'

/**
 * The gateway's plain JSON endpoints (sessions, shares, tasks, health). Same-origin /ai/api/...; each
 * body is typed by the schema the backend declares for it (./generated/wire.ts), so nothing is normalised.
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

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.request(path, init)).json()) as T
  }

  async listSessions(): Promise<SessionSummary[]> {
    return (await this.json<Wire.SessionList>('/ai/api/sessions')).sessions
  }

  async getSession(id: string): Promise<SessionDetail> {
    return this.json<SessionDetail>(`/ai/api/sessions/${encodeURIComponent(id)}`)
  }

  async searchSessions(query: string, limit = 50): Promise<SessionSearch> {
    const params = new URLSearchParams({ q: query, limit: String(limit) })
    return this.json<SessionSearch>(`/ai/api/sessions?${params}`)
  }

  async renameSession(id: string, title: string): Promise<SessionSummary> {
    return this.json<SessionSummary>(`/ai/api/sessions/${encodeURIComponent(id)}`, {
      method: 'PATCH', body: JSON.stringify({ title }), headers: { 'Content-Type': 'application/json' },
    })
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
    return (await this.json<Wire.ShareList>('/ai/api/shares')).shares
  }

  async revokeShare(shareId: string): Promise<void> {
    await this.request(`/ai/api/shares/${encodeURIComponent(shareId)}`, { method: 'DELETE' })
  }

  async deleteSession(id: string): Promise<void> {
    await this.request(`/ai/api/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' })
  }

  /** Who the gateway takes these credentials for (GET /ai/api/me). */
  async me(): Promise<Me> {
    return this.json<Me>('/ai/api/me')
  }

  /** The agents a new conversation may be with, as the live workers run them, and the default one. */
  async listAgents(): Promise<AgentList> {
    return this.json<AgentList>('/ai/api/agents')
  }

  async getTask(taskId: string): Promise<TaskState> {
    return this.json<TaskState>(`/ai/api/tasks/${encodeURIComponent(taskId)}`)
  }

  /** A person's decision on an `approval_required` (ApiError 409: already decided, expired, or ended). */
  async decideApproval(taskId: string, approvalId: string, decision: ApprovalDecision): Promise<ApprovalResult> {
    return this.json<ApprovalResult>(`/ai/api/tasks/${encodeURIComponent(taskId)}/approvals/${encodeURIComponent(approvalId)}`, {
      method: 'POST', body: JSON.stringify(decision), headers: { 'Content-Type': 'application/json' },
    })
  }

  async cancelTask(taskId: string): Promise<void> {
    await this.request(`/ai/api/tasks/${encodeURIComponent(taskId)}/cancel`, { method: 'POST' })
  }
}

/** Health works with or without a key and reports 503 bodies too (the same shape, fewer fields). A body
 *  that is not JSON (a proxy's error page) reads as unhealthy. */
export async function fetchHealth(baseUrl = ''): Promise<Health> {
  const res = await fetch(baseUrl + '/ai/api/health', { cache: 'no-store', headers: { Accept: 'application/json' } })
  const body = (await res.json().catch(() => null)) as Health | null
  return body ?? { status: 'unhealthy', redis_status: 'unknown', version: '', protocol: 0 }
}

/** What the UI assumes without the gateway's answer (upload_max_bytes: the gateway's default UPLOAD_MAX_BYTES). */
export const NO_UI_CONFIG: UiConfig = { api_key_hint: null, tokens: false, demo_token: null, upload_max_bytes: 2 * 1024 * 1024 }

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
    return res.ok ? ((await res.json()) as UiConfig) : NO_UI_CONFIG
  } catch {
    return NO_UI_CONFIG
  }
}
