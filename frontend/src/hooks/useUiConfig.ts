import { useEffect, useState } from 'react'
import { fetchUiConfig } from '../api/gatewayClient'
import type { UiConfig } from '../api/types'

/** The gateway's UI settings, read once; null until they arrived (or failed: then the defaults). */
export function useUiConfig(): UiConfig | null {
  const [config, setConfig] = useState<UiConfig | null>(null)
  useEffect(() => {
    let alive = true
    void fetchUiConfig().then((c) => alive && setConfig(c))
    return () => {
      alive = false
    }
  }, [])
  return config
}
