import type { UserMessage } from '../state/chatModel'

export function UserMessageView({ message }: { message: UserMessage }) {
  return (
    <article className="message message--user" data-testid="user-message" aria-label="Your message">
      <p>{message.text}</p>
    </article>
  )
}
