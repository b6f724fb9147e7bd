import { ApiError } from './apiError'
import { authHeaders } from './credentials'
import type { Health, Me, SessionDetail, SessionSummary, TranscriptMessage, UiConfig } from './types'

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
