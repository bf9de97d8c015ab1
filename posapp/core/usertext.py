"""User-facing text from the Qt-free core: a stable message id, its values, English by default.

The services and the errors they raise speak to people (a cashier, a manager, someone at the
command line) without Qt. Each such sentence is a ``UserText``: a ``str`` whose value is the
English rendering, so the command line, the logs, the journal's event details and every
``in``/``==`` check read it as before, plus ``id`` (stable, e.g. ``"card.expired"``) and the
``values`` its template was filled with. The UI looks the id up in its translation catalogue
(``posapp.ui.i18n.service_text``) and fills the translated template with the same values;
with no translation it shows the English.

Ids are ``area.what`` in lower case; templates use ``str.format`` names (``{amount}``), and
a translation must keep the same names. A value is text, a number or another ``UserText``
(rendered in the same language: a payment status inside a sentence).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Union

Value = Union[str, int, "UserText"]


class UserText(str):
    """One sentence for people: ``str(self)`` is the English, ``id`` + ``values`` translate it.

    String operations (slicing, ``+``, ``.lower()``) give plain English ``str``: whatever is
    cut or joined from a message is no longer that message.
    """

    id: str
    values: Mapping[str, Value]

    def __new__(cls, message_id: str, english: str, /, **values: Value) -> UserText:
        return cls._made(message_id, english.format_map(values), values)

    @classmethod
    def _made(cls, message_id: str, rendered: str, values: Mapping[str, Value]) -> UserText:
        self = str.__new__(cls, rendered)
        self.id = message_id
        self.values = MappingProxyType(dict(values))
        return self

    def worded_as(self, english: str) -> UserText:
        """The same message (id and values) with another English rendering: someone else's
        words for it (Antom's resultMessage for a result code). A translated UI still shows
        the message's translation."""
        return UserText._made(self.id, str(english), self.values)

    def __repr__(self) -> str:
        return f"UserText({self.id!r}, {str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # str's own reduce would call UserText(text) and lose the id (copy, pickle)
        return (UserText._made, (self.id, str(self), dict(self.values)))


def to_record(text: UserText) -> dict[str, Any]:
    """``text`` as journal data: ``{"id", "values", "text"}`` (the English as it read then;
    a value that is itself a message is a record too)."""
    values = {
        name: to_record(value) if isinstance(value, UserText) else value
        for name, value in text.values.items()
    }
    return {"id": text.id, "values": values, "text": str(text)}


def from_record(data: object) -> UserText | None:
    """The message ``to_record`` stored, or None for anything else (plain text journaled
    before reasons were data, a record edited into something else)."""
    if not isinstance(data, Mapping):
        return None
    message_id, english, values = data.get("id"), data.get("text"), data.get("values")
    if not isinstance(message_id, str) or not isinstance(english, str):
        return None
    if not isinstance(values, Mapping):
        values = {}
    kept: dict[str, Value] = {}
    for name, value in values.items():
        inner = from_record(value)
        if inner is not None:
            kept[str(name)] = inner
        elif isinstance(value, str | int) and not isinstance(value, bool):
            kept[str(name)] = value
    return UserText._made(message_id, english, kept)
