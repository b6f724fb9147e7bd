import { useEffect, useState } from 'react'
import { fetchHealth } from '../api/gatewayClient'
import type { Health } from '../api/types'

/** Polls /ai/api/health (models come from worker heartbeats) every `intervalMs`. */
export function useHealth(intervalMs = 30000): Health | null {
  const [health, setHealth] = useState<Health | null>(null)
  useEffect(() => {
    let alive = true
    const poll = () => {
      fetchHealth()
        .then((h) => alive && setHealth(h))
        .catch(() => alive && setHealth(null))
    }
    poll()
    const timer = setInterval(poll, intervalMs)
    return () => {
      alive = false
      clearInterval(timer)
    }
  }, [intervalMs])
  return health
}
