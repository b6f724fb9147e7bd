"""The parts of a question that narrow a query: a period, a status, a category, a place, a segment, a priority.

Why a separate pass before the question's shape is read: a part like "in 2024" can sit anywhere ("revenue per
month in 2024", "2024 revenue per month", "top 5 customers by revenue in 2024"), and every shape must either
apply it or say that it did not. `extract` finds each part, records the words it came from and removes them,
so the shape patterns see only what is left, and the words nobody used (`leftover`) can be named in the
answer instead of being silently dropped. Relative dates ("last year") are recognised only to be declined:
the demo model does not know what today is in the data's world.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_service.tools.analytics.sample_catalog import CATALOG, PLACES

ORDER_STATUSES = ("delivered", "shipped", "processing", "cancelled", "returned")
TICKET_STATUSES = ("open", "pending", "resolved", "closed")
SEGMENTS = ("small business", "consumer", "enterprise")
PRIORITIES = ("low", "medium", "high", "urgent")
CATEGORIES = {name.lower(): name for name in CATALOG}
CATEGORIES.update({"book": "Books", "toy": "Toys", "sport": "Sports"})
PLACE_NAMES = {p.lower(): ("country", p) for p in PLACES}
PLACE_NAMES.update({city.lower(): ("city", city) for cities in PLACES.values() for city in cities})
PLACE_NAMES.update(
    {
        "usa": ("country", "United States"),
        "the us": ("country", "United States"),
        "america": ("country", "United States"),
        "uk": ("country", "United Kingdom"),
        "britain": ("country", "United Kingdom"),
    }
)
MONTHS = "january february march april may june july august september october november december".split()
ENTITY_WORDS = {"customer", "order", "product", "ticket", "item", "client", "user", "purchase"}
DATA_YEARS = (2023, 2024)
"""The years the sample data covers (sample_db.START, DAYS)."""
STOPWORDS = set(
    """a an the of in on at for from to with and or is are was were be been do does did we our us you your me my
    i what which who how many much show list give tell find get total overall all each every number count
    there have has had that this those these please value values breakdown made placed sold bought ever so far
    currently now any across it its their them than as whose where when most highest largest biggest best
    least lowest smallest fewest worst having during between since after before come came still created
    place customers customer clients""".split()
)


@dataclass(frozen=True)
class Part:
    """One narrowing part of a question: `kind`, its value, and `phrase` (the words it came from)."""

    kind: str  # period | relative | status | category | place | segment | priority
    phrase: str
    value: tuple = ()

    @property
    def label(self) -> str:
        """How the part reads in a title: "in 2024", "with status cancelled", "in Germany"."""
        if self.kind == "period":
            return self.value[2]
        if self.kind == "status":
            return f"with status {self.value[0]}"
        if self.kind == "category":
            return f"in category {self.value[0]}"
        if self.kind == "place":
            return f"in {self.value[1]}"
        if self.kind == "segment":
            return f"in the {self.value[0].title()} segment"
        if self.kind == "priority":
            return f"with priority {self.value[0]}"
        return self.phrase


def extract(q: str) -> tuple[list[Part], str]:
    """The parts found in the normalised question `q`, and `q` with their words blanked out."""
    parts: list[Part] = []

    def take(pattern: str, build) -> None:
        nonlocal q
        while True:
            m = re.search(pattern, q)
            if not m:
                return
            part = build(m)
            if part is not None:
                parts.append(part)
            q = q[: m.start()] + " " + q[m.end() :]

    month = "|".join(MONTHS)
    take(
        r"\b(?:last|this|previous|past|next|current)\s+(?:\d+\s+)?(?:years?|quarters?|months?|weeks?|days?)\b"
        r"|\b(?:yesterday|today|recently|ytd|year to date)\b",
        lambda m: Part("relative", m.group(0)),
    )
    take(rf"\b(?:in|during|for|of)?\s*({month})\s+((?:19|20)\d\d)\b", _month)
    take(r"\b(?:in|during|for)?\s*q([1-4])\s+((?:19|20)\d\d)\b", _quarter)
    take(r"\b(?:between|from)\s+((?:19|20)\d\d)\s+(?:and|to|until|through)\s+((?:19|20)\d\d)\b", _years)
    take(r"\b(since|after|before|until)\s+((?:19|20)\d\d)\b", _open_range)
    take(r"\b(?:in|during|for|of)?\s*((?:19|20)\d\d)\b", lambda m: _years_of(m, m.group(1), m.group(1)))
    statuses = "|".join(ORDER_STATUSES + TICKET_STATUSES)
    take(
        rf"\b(?:with\s+|whose\s+|that\s+are\s+|which\s+are\s+)?(?:(?:a\s+)?status\s+(?:of\s+|is\s+|=\s*)?)?'?({statuses})'?(?![a-z])",
        lambda m: Part("status", m.group(0), (m.group(1),)),
    )
    names = "|".join(sorted(CATEGORIES, key=len, reverse=True))
    take(
        rf"\b(?:in\s+|from\s+|for\s+|of\s+)?(?:the\s+)?(?:category\s+)?'?({names})'?(?:\s+category)?\b",
        lambda m: Part("category", m.group(0), (CATEGORIES[m.group(1)],)),
    )
    places = "|".join(re.escape(p) for p in sorted(PLACE_NAMES, key=len, reverse=True))
    take(
        rf"\b(?:in\s+|from\s+|for\s+|based\s+in\s+)?(?:the\s+)?({places})\b",
        lambda m: Part("place", m.group(0), PLACE_NAMES[m.group(1)]),
    )
    take(
        rf"\b(?:in\s+the\s+|in\s+|from\s+(?:the\s+)?)?({'|'.join(SEGMENTS)})s?(?:\s+segment)?\b",
        lambda m: Part("segment", m.group(0), (m.group(1),)),
    )
    take(
        rf"\b(?:with\s+)?(?:priority\s+'?({'|'.join(PRIORITIES)})'?|({'|'.join(PRIORITIES)})[- ]priority|"
        rf"({'|'.join(PRIORITIES)})(?=\s+(?:support\s+)?tickets?\b))",
        lambda m: Part("priority", m.group(0), (m.group(1) or m.group(2) or m.group(3),)),
    )
    return parts, q


def unknown_place(rest: str) -> tuple[Part | None, str]:
    """An "in <words>" / "from <words>" left in `rest` that no other part explained: read as a place
    (the query then finds no rows for a place the data does not have, and says so)."""
    m = re.search(r"\b(?:in|from)\s+(?:the\s+)?([a-z][a-z .'-]*?)\s*$", rest)
    words = m.group(1).split() if m else []
    if not words or any(w in STOPWORDS or w.rstrip("s") in ENTITY_WORDS for w in words):
        return None, rest
    name = m.group(1).strip()
    return Part("place", m.group(0).strip(), ("place", name.title())), rest[: m.start()]


MEANING_WORDS = set(
    """average mean median percentage percent share ratio rate never without not no except excluding growth
    change compared versus vs difference distinct unique first last per""".split()
)
"""Left-over words that would change the number itself: a plan that cannot apply them must not answer."""


def leftover(rest: str) -> list[str]:
    """The words of `rest` that carry meaning (not stop words, not punctuation)."""
    return [w for w in re.findall(r"[a-z0-9][a-z0-9'_-]*", rest) if w not in STOPWORDS]


def outside_data(parts: list[Part]) -> bool:
    """True when a period lies wholly outside the years the sample covers."""
    for p in parts:
        if p.kind == "period":
            start = int(p.value[0][:4] or DATA_YEARS[0])
            end = int(p.value[1][:4] or DATA_YEARS[-1] + 1)
            end_year = end - 1 if p.value[1][5:] in ("", "01-01") else end
            if end_year < DATA_YEARS[0] or start > DATA_YEARS[-1]:
                return True
    return False


def _month(m: re.Match) -> Part:
    index, year = MONTHS.index(m.group(1)) + 1, int(m.group(2))
    end = f"{year + 1}-01-01" if index == 12 else f"{year}-{index + 1:02d}-01"
    return Part("period", m.group(0), (f"{year}-{index:02d}-01", end, f"in {m.group(1).title()} {year}"))


def _quarter(m: re.Match) -> Part:
    q, year = int(m.group(1)), int(m.group(2))
    end = f"{year + 1}-01-01" if q == 4 else f"{year}-{3 * q + 1:02d}-01"
    return Part("period", m.group(0), (f"{year}-{3 * q - 2:02d}-01", end, f"in Q{q} {year}"))


def _years(m: re.Match) -> Part:
    first, last = sorted((m.group(1), m.group(2)))
    return _years_of(m, first, last)


def _years_of(m: re.Match, first: str, last: str) -> Part:
    label = f"in {first}" if first == last else f"from {first} to {last}"
    return Part("period", m.group(0), (f"{first}-01-01", f"{int(last) + 1}-01-01", label))


def _open_range(m: re.Match) -> Part:
    word, year = m.group(1), int(m.group(2))
    bounds = {
        "since": (f"{year}-01-01", ""),
        "after": (f"{year + 1}-01-01", ""),
        "until": ("", f"{year + 1}-01-01"),
        "before": ("", f"{year}-01-01"),
    }[word]
    return Part("period", m.group(0), (*bounds, f"{word} {year}"))
