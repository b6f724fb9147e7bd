/** An HTTP error from the gateway, with what the UI needs to explain it (detail, Retry-After, the
 *  `limit` a 429 names). */
export class ApiError extends Error {
  readonly status: number
  readonly detail: string
  readonly retryAfterS: number | null
  readonly limit: string | null

  constructor(status: number, detail: string, retryAfterS: number | null = null, limit: string | null = null) {
    super(`HTTP ${status}: ${detail}`)
    this.name = 'ApiError'
    this.status = status
    this.detail = detail
    this.retryAfterS = retryAfterS
    this.limit = limit
  }

  static async from(res: Response): Promise<ApiError> {
    let detail = res.statusText || `HTTP ${res.status}`
    let limit: string | null = null
    try {
      const body: unknown = await res.json()
      const l = (body as { limit?: unknown })?.limit
      if (typeof l === 'string') limit = l
      const d = (body as { detail?: unknown })?.detail
      if (typeof d === 'string') detail = d
      else if (Array.isArray(d) && d.length > 0) detail = d.map((x) => (x as { msg?: string }).msg ?? String(x)).join('; ')
      else if (d !== undefined) detail = JSON.stringify(d)
    } catch {
      // no JSON body
    }
    return new ApiError(res.status, detail, parseRetryAfter(res.headers.get('Retry-After')), limit)
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const date = Date.parse(value)
  if (Number.isNaN(date)) return null
  return Math.max(0, Math.ceil((date - now) / 1000))
}
