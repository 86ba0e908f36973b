"""JSON bodies as the API accepts them: RFC 8259 numbers only (no NaN or Infinity, which
PostgreSQL's jsonb and every other client refuse), and at most MAX_DEPTH levels of nesting.
A body that breaks either rule is a 400 naming the field, never a 500 (a 5,000-deep array
would otherwise blow Python's recursion limit inside the parser)."""

from __future__ import annotations

import json
import math
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
NON_FINITE = "NaN and Infinity are not JSON numbers; send a number or null."


class JsonRefused(ValueError):
    """The body is not JSON the API accepts; `field` names where (a dotted path, or "body")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _too_deep_at(text: str, limit: int) -> str | None:
    """The top-level field whose value nests deeper than `limit` ("body" if the body itself
    does), or None. One pass over the characters, before any recursive parsing."""
    depth = 0
    in_string = escaped = False
    string_start = 0
    last_string = ""
    top_key = ""
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                last_string = text[string_start:index]
            continue
        if char == '"':
            in_string, string_start = True, index + 1
        elif char == ":" and depth == 1:
            top_key = last_string
        elif char in "[{":
            depth += 1
            if depth > limit:
                return top_key if depth > 1 and top_key else "body"
        elif char in "]}":
            depth -= 1
    return None


def _non_finite_at(value: Any, path: str = "") -> str | None:
    """The dotted path of the first NaN or Infinity in a parsed value, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "body"
    if isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite_at(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _non_finite_at(item, f"{path}[{index}]")
            if found:
                return found
    return None


def loads_strict(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads, refusing deep nesting and non-finite numbers with the field named."""
    deep = _too_deep_at(text, max_depth)
    if deep:
        raise JsonRefused(deep, f"Nested more than {max_depth} levels deep.")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise JsonRefused(
            "body", "Send a JSON object (Content-Type: application/json, UTF-8)."
        ) from exc
    bad = _non_finite_at(value)
    if bad:
        raise JsonRefused(bad, NON_FINITE)
    return value


class StrictJSONParser(JSONParser):
    """DRF's JSON parser with loads_strict's rules; a refusal is a ParseError (400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding)
            return loads_strict(text)
        except UnicodeDecodeError as exc:
            raise ParseError({"body": ["Send UTF-8 encoded JSON."]}) from exc
        except JsonRefused as exc:
            raise ParseError({exc.field: [exc.message]}) from exc
