import { useEffect, useState } from 'react'
import { sharedId } from '../lib/shareRoute'
import { App } from './App'
import { SharedView } from './SharedView'

/** The chat, or a shared read-only snapshot when the URL is a share link. A hash route: the gateway
 * serves the same index.html for every link, and the page URL's id is never sent to the server (only
 * the snapshot request to /ai/api/shared/{id} carries it; the gateway writes no access log). */
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
