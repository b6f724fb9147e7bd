import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream'

/**
 * The SSE frames of a fetch Response body. eventsource-parser handles frames split across chunks,
 * multi-line `data:`, comments (pings) and `retry:` fields; it never reconnects on its own, which
 * is what we want: reconnecting is TaskStream's job (GET with Last-Event-ID), never a re-POST.
 */
export async function* sseFrames(
  body: ReadableStream<BufferSource>,
  onRetry?: (ms: number) => void,
): AsyncGenerator<EventSourceMessage> {
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onRetry }))
    .getReader()
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        finished = true
        return
      }
      yield value
    }
  } finally {
    // Leaving early (terminal event, abort): release the connection instead of leaving it half-read.
    if (!finished) await reader.cancel().catch(() => {})
  }
}
