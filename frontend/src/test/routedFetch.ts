import { vi } from 'vitest'
import { jsonResponse, type RecordedCall } from './sseMock'

export type Route = (call: RecordedCall) => Response | undefined

/** A fetch that answers by method + URL and records every call; health, an empty list and one agent by default. */
export function routedFetch(route: Route): RecordedCall[] {
  const calls: RecordedCall[] = []
  globalThis.fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v
    })
    const call = { url: String(input), method: init.method ?? 'GET', headers, body: init.body ? JSON.parse(String(init.body)) : undefined }
    calls.push(call)
    const res = route(call)
    if (res) return res
    if (call.url === '/ai/api/health') return jsonResponse(200, { status: 'healthy', redis_status: 'ok', version: '0', protocol: 1, models: ['demo'], workers_alive: 1 })
    if (call.url === '/ai/api/ui-config') return jsonResponse(200, { api_key_hint: null, tokens: false, demo_token: null })
    if (call.url === '/ai/api/sessions') return jsonResponse(200, { sessions: [] })
    if (call.url === '/ai/api/agents') return jsonResponse(200, { agents: [{ name: 'analytics', description: 'SQL', tools: ['run_query'] }], default: 'analytics' })
    throw new Error(`unrouted ${call.method} ${call.url}`)
  }) as typeof fetch
  return calls
}
