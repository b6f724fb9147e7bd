"""Who is calling: a `Principal`, and the one rule that turns an identity into an owner id.

Every session, task and open stream is stored under an owner id (keys.owner_sessions(owner) ...),
and the gateway compares owner ids as plain strings. Two kinds of caller own things:

    key:<sha256(api key)[:24]>                  a service client with an API key and no user
    user:<sha256(namespace NUL subject)[:32]>   a person: a JWT's subject (namespace = its issuer)
                                                or a trusted proxy's user header (namespace =
                                                PROXY_USER_NAMESPACE)

Why this shape:
- The prefix is the namespace: a user id can never equal a key id whatever the subject says, so a
  token whose `sub` happens to be some key's hash owns nothing of that key's.
- The subject is hashed, not embedded: subjects are arbitrary strings (emails, URLs, colons), and
  Redis key names and logs then never carry a person's email, only a fixed-length hex id.
- The issuer is hashed in with the subject: two identity providers may both have a user "42", who
  are two people. A proxy deployment that wants its users to be the same owners as the JWT users of
  one issuer sets PROXY_USER_NAMESPACE to that issuer.
`GET /ai/api/me` shows the caller its own owner id, so an operator can find a person's keys.

Compared with the key-only gateway, owner ids changed from `<key hash>` to `key:<key hash>`: data
written before (sessions listed under the old id) is no longer listed. Nothing migrates it
(pre-release); it expires with SESSION_TTL_S.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

Via = Literal["key", "token", "proxy"]


def key_owner(key_id: str) -> str:
    return f"key:{key_id}"


def user_owner(namespace: str, subject: str) -> str:
    digest = hashlib.sha256(f"{namespace}\0{subject}".encode()).hexdigest()[:32]
    return f"user:{digest}"


@dataclass(frozen=True)
class Principal:
    owner: str
    """The owner id everything is stored and checked under (see the module docstring)."""
    via: Via
    """How the caller proved who it is: an API key alone, a bearer token, or a proxy's user header."""
    name: str | None = None
    """A display name for the UI (token claim or proxy header); never used for access."""
    key_id: str | None = None
    """The API key's id when one was presented (the client application), also with a user."""

    @property
    def kind(self) -> Literal["key", "user"]:
        return "key" if self.via == "key" else "user"
