"""What the demo model refuses before it touches a tool: writes, reaching past the shop's data, and prompt
injection.

Why refuse in words and not only rely on the read-only guard: the guard (analytics/statement.py, the
read-only session, the role check) makes a write impossible, but a user who asks "delete the cancelled
orders" deserves a clear sentence saying it will not happen, not an SQL error or an unrelated answer. The
demo model never sends such a request to the database at all. The same holds for questions that try to reach
server files, credentials, system catalogs or the model's own instructions.
"""

from __future__ import annotations

import re

WRITE = re.compile(
    r"\b(delete|remove|erase|wipe|purge|truncate|insert|alter|grant|revoke|overwrite|upsert)\b"
    r"|\b(drop)\s+(?:the\s+|all\s+|every\s+)?(?:table|database|schema|view|index|column|\w+\s+table|"
    r"everything|orders|customers|products|tickets|support_tickets|order_items)\b"
    r"|\b(update)\b(?!\s+on\b)"
    r"|\b(set|change|mark|rename)\b.+\b(?:to|as)\b"
    r"|\b(create|add)\s+(?:a\s+|an\s+|new\s+)*(?:table|index|view|user|role|database|column|row|record|"
    r"customer|order|product|ticket)s?\b"
    r"|\b(insert|copy)\s+into\b"
)
REACH = re.compile(
    r"/etc/|/var/|/root|/home/|\bpasswd\b|\bpasswords?\b|\bcredentials?\b|\bsecrets?\b|\bapi[ _-]?keys?\b|"
    r"\baccess tokens?\b|\bpg_\w+|\bload_file\b|\boutfile\b|\bdumpfile\b|\blo_\w+\(|\bdblink\b|"
    r"\binformation_schema\b|\bsqlite_master\b|\bmysql\.user\b|\benvironment variables?\b|\benv vars?\b|"
    r"\bshell\b|\bcommand line\b|\bsystem prompt\b|\byour (?:instructions|prompt|rules)\b|"
    r"\b(?:database|db) (?:users?|roles?|grants?|privileges?)\b|\bserver files?\b|\bread (?:the )?file\b|"
    r"\bcopy\b.*\bto\b.*\bfile\b"
)
INJECTION = re.compile(
    r"\bignore (?:all |any |the |your )?(?:previous |prior |above |earlier )?(?:instructions|rules|prompts?)\b"
    r"|\b(?:you are now|act as|pretend to be|developer mode|maintenance mode|jailbreak)\b|^\s*system\s*:"
)


def refusal(question: str) -> str | None:
    """The refusal for `question` (normalised, lower case), or None when it is an ordinary question."""
    write = WRITE.search(question)
    if write:
        verb = next(g for g in write.groups() if g)
        return (
            f"I can't {verb} anything: I only read data. The analytics tools are read-only, so I never "
            "change, add or delete rows or tables (no INSERT, UPDATE, DELETE, DROP or ALTER), and I did not "
            "run anything for this request. I can answer questions about the data instead, for example "
            "“How many orders with status cancelled?”."
        )
    if REACH.search(question):
        return (
            "I can't help with that: I only answer questions about the shop's data (customers, products, "
            "orders, order items and support tickets). I don't read server files, credentials, system "
            "catalogs or my own instructions, and I did not run anything for this request."
        )
    if INJECTION.search(question):
        return (
            "I won't follow instructions that try to change what I do: I am a read-only analyst for the "
            "shop's data, and I did not run anything for this request. Ask me a question about the data."
        )
    return None
