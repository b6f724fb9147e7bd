import { useEffect, useState } from 'react'
import { GatewayClient } from '../api/gatewayClient'
import type { Me } from '../api/types'

/** Who the gateway takes these credentials for (GET /ai/api/me); null while unknown or refused. */
export function useMe(apiKey: string, token: string): Me | null {
  const [me, setMe] = useState<Me | null>(null)
  useEffect(() => {
    let alive = true
    // oxlint-disable-next-line react/set-state-in-effect -- new credentials: forget the old identity at once
    setMe(null)
    if (!apiKey && !token) return
    new GatewayClient(apiKey, '', token)
      .me()
      .then((m) => alive && setMe(m))
      .catch(() => alive && setMe(null))
    return () => {
      alive = false
    }
  }, [apiKey, token])
  return me
}
