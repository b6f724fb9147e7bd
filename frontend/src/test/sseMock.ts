/** Test doubles: SSE responses built from raw chunks, and a scripted fetch that records its calls. */

export function frame(event: { seq: number; [key: string]: unknown }): string {
  return `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`
}

/** A streaming Response whose body yields `chunks` (optionally ending with a network error). */
export function sseResponse(chunks: string[], init: { headers?: Record<string, string>; failAtEnd?: boolean } = {}): Response {
  const encoder = new TextEncoder()
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) {
        controller.enqueue(encoder.encode(chunks[i++]))
      } else if (init.failAtEnd) {
        controller.error(new TypeError('network error'))
      } else {
        controller.close()
      }
    },
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream', ...init.headers } })
}

/** A response body the test writes to as it goes: push(text) sends a chunk, push('') ends the stream. */
export function pushableStream(): { body: ReadableStream<Uint8Array>; push: (chunk: string) => void } {
  let push: (chunk: string) => void = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const enc = new TextEncoder()
      push = (s) => (s ? controller.enqueue(enc.encode(s)) : controller.close())
    },
  })
  return { body, push }
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
}

export interface RecordedCall {
  url: string
  method: string
  headers: Record<string, string>
  body: unknown
}

/** fetch that answers each call with the next scripted responder; records url/method/headers/body. */
export function scriptedFetch(...responders: Array<(call: RecordedCall) => Response | Promise<Response>>) {
  const calls: RecordedCall[] = []
  const fn = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v
    })
    const call = { url: String(input), method: init.method ?? 'GET', headers, body: init.body ? JSON.parse(String(init.body)) : undefined }
    calls.push(call)
    const responder = responders[calls.length - 1]
    if (!responder) throw new Error(`unexpected fetch #${calls.length}: ${call.method} ${call.url}`)
    return responder(call)
  }
  return { fetch: fn as typeof fetch, calls }
}

export const noSleep = () => Promise.resolve()
