import { useEffect, useState } from 'react'
import { fetchUiConfig } from '../api/gatewayClient'
import type { UiConfig } from '../api/types'

/** The gateway's UI settings, read once. */
export function useUiConfig(): UiConfig {
  const [config, setConfig] = useState<UiConfig>({ api_key_hint: null })
  useEffect(() => {
    let alive = true
    void fetchUiConfig().then((c) => alive && setConfig(c))
    return () => {
      alive = false
    }
  }, [])
  return config
}
