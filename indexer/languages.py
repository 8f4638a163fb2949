"""Language codes, their names, and which languages a text's script points to.

A translated site names its languages by folder or suffix (`en/`, `zh-hans/`, `ja-jp/`, `pt-BR`,
`nb_NO`, `index.zh.md`): a code is recognised when its first part is an ISO 639-1 language (so `api/`,
`cli/` or `src/` are never read as languages) and compared by that first part (`zh-hans` is `zh`).

A query's language is read from its script, which is cheap and certain where a script belongs to
few languages (kana: Japanese, Hangul: Korean, Han: Chinese, else Japanese); Latin, Cyrillic and
Arabic scripts are shared by many, so there the choice is left to the collection (its original
language, see `indexer.translations`). Documents get a script-read language only where it is that
certain (`script_language`): a Latin-script note is not guessed English.
"""

from __future__ import annotations

import re
import unicodedata

# ISO 639-1
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de "
    "dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id "
    "ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu "
    "lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu "
    "rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr "
    "ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu".split()
)
# How a language calls itself, for "also in: 中文 (zh-hans)"; other codes are shown as they are
NAMES = {
    "ar": "العربية", "ca": "Català", "cs": "Čeština", "da": "Dansk", "de": "Deutsch", "el": "Ελληνικά",
    "en": "English", "es": "Español", "fa": "فارسی", "fi": "Suomi", "fr": "Français", "gl": "Galego",
    "he": "עברית", "hi": "हिन्दी", "hu": "Magyar", "id": "Bahasa Indonesia", "it": "Italiano",
    "ja": "日本語", "ko": "한국어", "nb": "Norsk bokmål", "nl": "Nederlands", "no": "Norsk", "pl": "Polski",
    "pt": "Português", "ro": "Română", "ru": "Русский", "sv": "Svenska", "th": "ไทย", "tr": "Türkçe",
    "uk": "Українська", "vi": "Tiếng Việt", "zh": "中文",
}  # fmt: skip
_CODE = re.compile(r"^(?P<primary>[a-zA-Z]{2})(?:[-_][a-zA-Z0-9]{2,8})*$")

# script -> the languages written in it that a query in it most likely is, in order
SCRIPT_LANGUAGES = {
    "kana": ("ja",),
    "hangul": ("ko",),
    "han": ("zh", "ja"),
    "cyrillic": ("ru", "uk", "bg", "sr", "be", "mk", "kk"),
    "greek": ("el",),
    "arabic": ("ar", "fa", "ur"),
    "hebrew": ("he", "yi"),
    "thai": ("th",),
}
NON_LATIN = frozenset(code for codes in SCRIPT_LANGUAGES.values() for code in codes)
# scripts that name one language (or nearly): a document in them gets that language
CERTAIN = {"kana": "ja", "hangul": "ko", "han": "zh", "greek": "el", "hebrew": "he", "thai": "th"}


def primary(code: str) -> str:
    """`zh-hans` -> `zh`, `pt_BR` -> `pt`; "" when `code` is no language code."""
    match = _CODE.match(code or "")
    return match["primary"].lower() if match and match["primary"].lower() in ISO_639_1 else ""


def is_language(code: str) -> bool:
    return bool(primary(code))


def check_language(code: str | None) -> str | None:
    """`code` when it is a language code (ISO 639-1, optionally with a region or script), else a
    ValueError naming it."""
    if code is None or is_language(code):
        return code
    raise ValueError(
        f"unknown language {code!r}: give a language code such as en, zh, ja, de or zh-hans, pt-BR"
    )


def language_name(code: str) -> str:
    """`中文 (zh-hans)`; a code without a known name as it is."""
    name = NAMES.get(primary(code))
    return f"{name} ({code})" if name else code


def _script(char: str) -> str:
    if "\u3040" <= char <= "\u30ff" or "\u31f0" <= char <= "\u31ff":
        return "kana"
    if "\uac00" <= char <= "\ud7af" or "\u1100" <= char <= "\u11ff" or "\u3130" <= char <= "\u318f":
        return "hangul"
    if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff":
        return "han"
    name = unicodedata.name(char, "")
    for script in ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "THAI"):
        if name.startswith(script):
            return script.lower()
    return ""


def script_counts(text: str, limit: int = 4000) -> dict[str, int]:
    """Letters per script in the first `limit` characters."""
    counts: dict[str, int] = {}
    for char in text[:limit]:
        if char.isalpha() and (script := _script(char)):
            counts[script] = counts.get(script, 0) + 1
    return counts


def text_script(text: str) -> str:
    """The script a text is in: kana when it has any (Japanese mixes kana into Han; 5 % of its CJK
    letters is a Japanese text, not a quoted name), else the script of most of its letters; ""
    for a text without letters."""
    counts = script_counts(text)
    if not counts:
        return ""
    cjk = counts.get("kana", 0) + counts.get("han", 0)
    if counts.get("kana", 0) and counts["kana"] >= 0.05 * cjk and cjk >= counts.get("latin", 0) / 2:
        return "kana"
    counts.pop("kana", None)
    return max(counts, key=counts.get) if counts else "kana"


def query_languages(text: str) -> tuple[str, ...]:
    """The languages a query in this text most likely is, in order; () for Latin script (many
    languages: the collection's original is preferred) or no letters. A query's letters in another
    script than Latin decide, however few: "docker 安装" is a Chinese query, its English a term."""
    counts = script_counts(text)
    counts.pop("latin", None)
    if not counts:
        return ()
    if counts.get("kana"):
        return SCRIPT_LANGUAGES["kana"]
    return SCRIPT_LANGUAGES.get(max(counts, key=counts.get), ())


def script_language(text: str) -> str:
    """The language a document's text is in when its script names one (`CERTAIN`), else "". A
    Han-only text is Chinese: Japanese prose always carries kana."""
    return CERTAIN.get(text_script(text), "")
