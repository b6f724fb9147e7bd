import { useEffect, useState } from 'react'
import type { GatewayClient } from '../api/gatewayClient'
import type { SessionSearch } from '../api/types'

/** How long typing must pause before the sidebar asks the server (one request per pause, not per key). */
export const SEARCH_DEBOUNCE_MS = 250

interface Answer {
  key: string
  result: SessionSearch | null
  error: string | null
}

/**
 * Server-side conversation search (GET /ai/api/sessions?q=) for the sidebar's search box. `result` is
 * null while the box is empty; `searching` while the shown answer is not for the current words (an
 * answer to older words is dropped).
 */
export function useSessionSearch(client: GatewayClient, query: string, version = 0) {
  const q = query.trim()
  const key = `${version}\n${q}`
  const [answer, setAnswer] = useState<Answer>({ key: '', result: null, error: null })

  useEffect(() => {
    if (!q) return
    let current = true
    const timer = setTimeout(() => {
      client
        .searchSessions(q)
        .then((result) => current && setAnswer({ key, result, error: null }))
        .catch(() => current && setAnswer({ key, result: null, error: 'Search failed.' }))
    }, SEARCH_DEBOUNCE_MS)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [client, q, key])

  if (!q) return { result: null, searching: false, error: null }
  const fresh = answer.key === key
  return { result: answer.result, searching: !fresh, error: fresh ? answer.error : null }
}
