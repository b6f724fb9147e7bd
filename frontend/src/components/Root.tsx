import { useEffect, useState } from 'react'
import { sharedId } from '../lib/shareRoute'
import { App } from './App'
import { SharedView } from './SharedView'

/** The chat, or a shared read-only snapshot when the URL is a share link (a hash route: the gateway
 * serves one index.html, and the id never reaches server logs as a path). */
export function Root() {
  const [hash, setHash] = useState(() => window.location.hash)
  useEffect(() => {
    const onChange = () => setHash(window.location.hash)
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  const id = sharedId(hash)
  return id ? <SharedView key={id} shareId={id} /> : <App />
}
