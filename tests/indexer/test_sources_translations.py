"""A documentation site's translations: each language's pages read as pages of their own, a copy
that is not yet translated left out and said, the pages that only show their translations said."""

from __future__ import annotations

from source_helpers import png, read_warnings, shape, write


def excluded(warned) -> list[tuple[str, str]]:
    return sorted((w.file, str(w)) for w in warned if w.reason == "excluded")


def test_a_docusaurus_translation_that_is_the_original_text_is_left_out_and_said(tmp_path):
    """Crowdin writes every page into each language's folder, the untranslated ones as copies."""
    leak = "---\ntitle: What is a DNS leak\n---\n\nA DNS leak shows the sites you visit.\n"
    write(tmp_path / "docusaurus.config.js", "module.exports = {};\n")
    write(tmp_path / "docs/general/dns-leaks.md", leak)
    write(tmp_path / "blog/2024-launch.md", "# Launch\n\nWe launched.\n")
    current = "i18n/{}/docusaurus-plugin-content-docs/current/general/"
    write(tmp_path / current.format("ko") / "dns-leaks.md", leak)  # not translated yet
    french = leak.replace("A DNS leak shows", "Une fuite DNS montre")
    write(tmp_path / current.format("fr") / "dns-leaks.md", french)
    write(tmp_path / current.format("ko") / "korea-only.md", "# 한국 전용\n\n한국어 페이지.\n")
    write(tmp_path / "i18n/ja/docusaurus-plugin-content-blog/2024-launch.md", "# Launch\n\nWe launched.\n")

    docs, warned = read_warnings(tmp_path)

    assert sorted(d.id for d in docs) == [
        "blog/2024-launch.md",
        "docs/general/dns-leaks.md",
        "i18n/fr/docusaurus-plugin-content-docs/current/general/dns-leaks.md",
        "i18n/ko/docusaurus-plugin-content-docs/current/general/korea-only.md",
    ]
    assert sorted(excluded(warned)) == [
        (
            "i18n/ja/docusaurus-plugin-content-blog/2024-launch.md",
            "i18n/ja/docusaurus-plugin-content-blog/2024-launch.md: a translation that is still the "
            "original's text, a copy of blog/2024-launch.md; not indexed",
        ),
        (
            "i18n/ko/docusaurus-plugin-content-docs/current/general/dns-leaks.md",
            "i18n/ko/docusaurus-plugin-content-docs/current/general/dns-leaks.md: a translation that is "
            "still the original's text, a copy of docs/general/dns-leaks.md; not indexed",
        ),
    ]


JEKYLL_CONFIG = """\
plugins:
  - jekyll-multiple-languages-plugin
languages: [en, de]
collections:
  documentation:
    output: true
"""
IMAGE_INCLUDE = """\
{% capture english-url %}{{ include.loc }}/en/{{ include.file }}{% endcapture %}
<img src="{{ english-url }}" alt="{{ include.alt }}">
"""


def test_a_jekyll_site_translated_in_i18n_is_read_there_titled_by_its_strings(tmp_path):
    """jekyll-multiple-languages-plugin: the page shows `_i18n/<lang>/<path>` under a title from
    `_i18n/<lang>.yml`; the page itself holds only those tags."""
    write(tmp_path / "_config.yml", JEKYLL_CONFIG)
    write(tmp_path / "_includes/image.html", IMAGE_INCLUDE)
    png(tmp_path / "assets/images/documentation/en/queue.png")
    write(
        tmp_path / "_documentation/queue/how-to-use.md",
        "---\ntexts: documentation.queue.how-to-use\nlayout: doc\n---\n\n"
        '# {% t {{ page.texts }}.title %}\n\n{% tf {{ page.url | remove_first: "/" }}.md %}\n',
    )
    write(
        tmp_path / "_i18n/en.yml",
        "documentation:\n  queue:\n    how-to-use:\n      title: Use the queue\n"
        "  general:\n    ads:\n      title: No ads\n",
    )
    write(
        tmp_path / "_i18n/de.yml",
        "documentation:\n  queue:\n    how-to-use:\n      title: Warteschlange verwenden\n",
    )
    write(tmp_path / "_documentation/queue.md", "# {% t documentation.queue.title %}\n")  # strings only
    queue = "documentation/queue/how-to-use.md"
    include = '{{% include image.html alt="{}" loc="/assets/images/documentation" file="queue.png" %}}'
    write(tmp_path / "_i18n/en" / queue, "Long-press an episode.\n\n" + include.format("The queue") + "\n")
    write(
        tmp_path / "_i18n/de" / queue,
        "Drücke lange auf eine Episode.\n\n" + include.format("Die Warteschlange") + "\n",
    )
    write(tmp_path / "_i18n/de/documentation/general/ads.md", "# Werbung\n\nKeine.\n")  # no de.yml title
    write(tmp_path / "_i18n/en/about.md", "About us.\n")
    write(tmp_path / "_i18n/de/about.md", "About us.\n")  # not translated yet: the English words

    docs, warned = read_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == [
        "_i18n/de/documentation/general/ads.md",
        "_i18n/de/" + queue,
        "_i18n/en/about.md",
        "_i18n/en/" + queue,
    ]
    assert by_id["_i18n/de/" + queue].title == "Warteschlange verwenden"
    assert by_id["_i18n/en/" + queue].title == "Use the queue"
    assert by_id["_i18n/de/documentation/general/ads.md"].title == "No ads"  # en.yml's: the first language
    assert shape(by_id["_i18n/de/" + queue], tmp_path) == [
        "T:Drücke lange auf eine Episode.",
        "I:assets/images/documentation/en/queue.png",
        "T:Die Warteschlange",
    ]
    assert [w.file for w in warned if w.reason == "empty"] == ["_documentation/queue.md"]
    assert excluded(warned) == [
        (
            "_documentation/queue/how-to-use.md",
            "_documentation/queue/how-to-use.md: its words are its translations, read in "
            "_i18n/<language>/; not indexed",
        ),
        (
            "_i18n/de/about.md",
            "_i18n/de/about.md: a translation that is still the original's text, a copy of "
            "_i18n/en/about.md; not indexed",
        ),
        (
            "_includes/",
            "_includes/: Jekyll templates and data, not pages; not indexed",
        ),
    ]


def test_a_notice_pointing_at_the_same_page_in_another_language_is_not_the_pages_words(tmp_path):
    """Dify's Japanese pages open with "AI translated this; see the [English version](/en/...)"."""
    notice = "> このドキュメントは AI によって自動翻訳されています。[英語版]({}) を参照してください。\n\n"
    body = "---\ntitle: 単一ノード\n---\n\n{}ノードを選択し、「実行」をクリックします。\n"
    write(tmp_path / "ja/debug/step-run.mdx", body.format(notice.format("/en/debug/step-run")))
    write(tmp_path / "ja/debug/other.mdx", body.format(notice.format("/en/debug/step-run")))  # another page
    write(tmp_path / "fr/guide.md", "See the [English guide](/en/guide) first.\n\nCorps.\n")  # not set apart

    docs, warned = read_warnings(tmp_path)

    text = {d.id: d.text for d in docs}
    assert text["ja/debug/step-run.mdx"] == "ノードを選択し、「実行」をクリックします。"
    assert text["ja/debug/other.mdx"].startswith("このドキュメントは AI によって自動翻訳されています。英語版")
    assert text["fr/guide.md"] == "See the English guide first.\n\nCorps."
    assert warned == []


def test_a_hugo_site_configured_in_its_config_folder_reads_each_languages_content(tmp_path):
    """`config/_default/hugo.yaml` + `languages.yaml` (contentDir per language), no root config:
    the pages are under content/, Hugo's templates and served files are not notes."""
    write(tmp_path / "config/_default/hugo.yaml", "baseURL: https://example.org/\ntheme: geekdoc\n")
    languages = "en:\n  contentDir: content/en\n  weight: 10\nde:\n  contentDir: content/de\n  weight: 20\n"
    write(tmp_path / "config/_default/languages.yaml", languages)
    write(tmp_path / "layouts/shortcodes/sprites.html", "{{ range $key, $value := .Site.Data.sprites }}")
    png(tmp_path / "static/socialmedia.png")
    png(tmp_path / "content/de/anleitung/schritt.png")
    write(tmp_path / "content/en/guide/_index.md", "---\ntitle: Guide\n---\nStep one.\n")
    write(
        tmp_path / "content/de/anleitung/_index.md",
        "---\ntitle: Anleitung\n---\nSchritt eins.\n\n![](schritt.png)\n",
    )

    docs, warned = read_warnings(tmp_path)

    assert sorted(d.id for d in docs) == ["content/de/anleitung/_index.md", "content/en/guide/_index.md"]
    assert sorted(str(w) for w in warned) == [
        "layouts/: outside the Hugo site's pages (content/); not indexed",
        "static/: 1 picture(s) of the website that no page shows; not indexed",
    ]
