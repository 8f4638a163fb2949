"""Queries a person types (CLI, app, API) are cleaned and checked before they reach the encoder.

The policy, the same everywhere:
- Control characters other than newline and tab are removed, as the collection readers remove them
  from documents, so a query and a document with the same visible text embed alike.
- Text that is not valid Unicode is refused, naming where: on the command line that is bytes the
  terminal's encoding could not decode (Python keeps them as lone surrogates), which the tokenizer
  would otherwise reject with a TypeError deep inside the model code.
- Token budget: a query may cost at most `QUERY_BUDGET` language-model tokens at the N it is
  searched at (the budget documents are split to when indexed), and never more than the model's
  own position limit. A longer query is refused with both numbers and what to do. It is never
  truncated: a cut query silently answers a different question, and the encoder itself would
  otherwise embed any length, past the positions the model was trained on, at quadratic cost.
"""

from __future__ import annotations

import re

from mme_core.documents import InterleavedDoc

QUERY_BUDGET = 4096  # = indexer.prepare.DEFAULT_BUDGET, the most tokens a stored document part costs

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n (\r normalised first)
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class QueryTooLongError(ValueError):
    """The query costs more tokens than the budget; `tokens` and `limit` say by how much."""

    def __init__(self, message: str, tokens: int, limit: int) -> None:
        super().__init__(message)
        self.tokens, self.limit = tokens, limit


def clean_query_text(text: str, where: str = "the query") -> tuple[str, int]:
    """(text without control characters, how many were removed); ValueError if not valid Unicode."""
    if not isinstance(text, str):
        raise ValueError(f"{where} must be text, got {type(text).__name__}")
    bad = _SURROGATE.search(text)
    if bad:
        code = ord(bad.group())
        byte = f" (byte 0x{code - 0xDC00:02x})" if 0xDC80 <= code <= 0xDCFF else ""
        raise ValueError(
            f"{where} is not valid UTF-8 text: undecodable character{byte} at position {bad.start() + 1}; "
            "check the terminal's or client's text encoding (e.g. LANG=C.UTF-8)"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARS.subn("", text)


def model_max_tokens(encoder) -> int | None:
    """The language model's position limit (max_position_embeddings), if its config states one."""
    limit = getattr(encoder, "max_tokens", None)  # should the encoder ever state it itself
    if isinstance(limit, int):
        return limit
    config = getattr(getattr(getattr(encoder, "backbone", None), "model", None), "config", None)
    for part in (getattr(config, "text_config", None), config):
        value = getattr(part, "max_position_embeddings", None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def query_token_limit(encoder, budget: int = QUERY_BUDGET) -> int:
    model_limit = model_max_tokens(encoder)
    return min(budget, model_limit) if model_limit else budget


def check_query_tokens(encoder, query: InterleavedDoc, n, budget: int = QUERY_BUDGET) -> int:
    """Tokens `query` costs at granularity `n`; QueryTooLongError if over the limit."""
    tokens = encoder.count_tokens(query, n, prompt_name="query")
    limit = query_token_limit(encoder, budget)
    if tokens > limit:
        images = len(query.images)
        fewer_images = f", use fewer than its {images} images or a smaller N" if images else ""
        raise QueryTooLongError(
            f"the query is too long: {tokens:,} tokens at N={n}, at most {limit:,} are allowed "
            f"(the model's token budget); shorten the text{fewer_images}",
            tokens,
            limit,
        )
    return tokens
