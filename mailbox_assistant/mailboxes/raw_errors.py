"""Raw provider errors as stored: any length is accepted, at most MAX_STORED_ERROR characters are kept.

HTML error pages and stack traces run to tens of kilobytes; what identifies the failure is nearly
always in the first lines (the status, the error code) or the last ones (the exception's message), so
a long error keeps its head and tail around a marker that says how much was cut.
"""

from __future__ import annotations

MAX_STORED_ERROR = 4000
TAIL_SHARE = 1 / 3  # of what is kept, the rest is the head


def cut_marker(cut: int) -> str:
    """The text that stands for the `cut` characters taken out of the middle of an error."""
    return f"\n[… {cut:,} characters cut …]\n"


def stored_error(raw_error: str | None, limit: int = MAX_STORED_ERROR) -> str | None:
    """`raw_error` as it is stored: unchanged when it fits in `limit` characters, else its head and its
    tail joined by a marker naming how many characters were cut (the result is `limit` long at most)."""
    if raw_error is None or len(raw_error) <= limit:
        return raw_error
    # The marker's length depends on the count it names; size it for the largest count it could name.
    room = limit - len(cut_marker(len(raw_error)))
    tail = int(room * TAIL_SHARE)
    head = room - tail
    return raw_error[:head] + cut_marker(len(raw_error) - head - tail) + raw_error[len(raw_error) - tail :]
