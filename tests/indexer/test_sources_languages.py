"""Each page's language and, on a translated site, the key its translations share (site_languages.py)."""

from __future__ import annotations

from source_helpers import read_warnings, write

from indexer.languages import query_languages, script_language, text_script


def languages(root) -> dict[str, tuple]:
    docs, _ = read_warnings(root)
    return {
        d.id: (d.meta.get("language"), d.meta.get("translation"), d.meta.get("site_language")) for d in docs
    }


def test_language_folders_side_by_side_mintlify_style(tmp_path):
    write(tmp_path / "docs.json", '{"navigation": {"languages": [{"language": "zh-hans"}, '
          '{"language": "en", "default": true}]}}')  # fmt: skip
    write(tmp_path / "en/guide/install.mdx", "# Install\n\nRun the installer.\n")
    write(tmp_path / "zh-hans/guide/install.mdx", "# 安装\n\n运行安装程序。\n")
    write(tmp_path / "ja-jp/guide/install.mdx", "# インストール\n\nインストーラーを実行します。\n")
    write(tmp_path / "images/readme.md", "# Pictures\n\nThe screenshots.\n")  # beside, no language folder

    found = languages(tmp_path)

    assert found["en/guide/install.mdx"] == ("en", "guide/install", "en")
    assert found["zh-hans/guide/install.mdx"] == ("zh-hans", "guide/install", "en")
    assert found["ja-jp/guide/install.mdx"] == ("ja-jp", "guide/install", "en")
    assert found["images/readme.md"] == (None, None, None)  # Latin script: no language guessed


def test_one_language_folder_or_folders_that_are_no_languages_give_no_key(tmp_path):
    write(tmp_path / "en/a.md", "# A\n\nText.\n")  # alone: nothing to be a translation of
    write(tmp_path / "ml/b.md", "# B\n\nModels.\n")
    write(tmp_path / "os/c.md", "# C\n\nKernels.\n")  # `ml` and `os` are codes, but no site's pair
    write(tmp_path / "api/d.md", "# D\n\nEndpoints.\n")

    found = languages(tmp_path)

    assert all(translation is None for _, translation, _ in found.values()), found


def test_docusaurus_i18n_pages_share_the_original_path(tmp_path):
    write(tmp_path / "docusaurus.config.js", "module.exports = { i18n: { defaultLocale: 'en' } };\n")
    write(tmp_path / "docs/general/dns-leaks.md", "# DNS leaks\n\nA DNS leak shows the sites you visit.\n")
    current = "i18n/{}/docusaurus-plugin-content-docs/current/general/dns-leaks.md"
    write(tmp_path / current.format("ja"), "# DNSリーク\n\nDNSリークは訪問先を示します。\n")
    write(tmp_path / "i18n/de/docusaurus-plugin-content-blog/launch.md", "# Start\n\nWir sind da.\n")
    write(tmp_path / "blog/launch.md", "# Launch\n\nWe launched.\n")

    found = languages(tmp_path)

    assert found["docs/general/dns-leaks.md"] == ("en", "docs/general/dns-leaks", "en")
    assert found[current.format("ja")] == ("ja", "docs/general/dns-leaks", "en")
    assert found["i18n/de/docusaurus-plugin-content-blog/launch.md"] == ("de", "blog/launch", "en")
    assert found["blog/launch.md"] == ("en", "blog/launch", "en")


def test_jekyll_i18n_pages_share_their_path_in_the_language_folder(tmp_path):
    write(tmp_path / "_config.yml", "languages: [en, de]\n")
    write(tmp_path / "_i18n/en/documentation/queue.md", "Add episodes to the queue.\n")
    write(tmp_path / "_i18n/de/documentation/queue.md", "Episoden zur Warteschlange hinzufügen.\n")
    write(tmp_path / "_i18n/en.yml", "documentation:\n  queue:\n    title: Queue\n")

    found = languages(tmp_path)

    assert found["_i18n/en/documentation/queue.md"] == ("en", "_i18n/documentation/queue", "en")
    assert found["_i18n/de/documentation/queue.md"] == ("de", "_i18n/documentation/queue", "en")


def test_hugo_suffixes_and_content_dirs(tmp_path):
    site = tmp_path / "suffixes"
    write(site / "hugo.toml", 'defaultContentLanguage = "en"\n[languages.en]\nweight = 1\n[languages.zh]\n')
    write(site / "content/posts/tea/index.md", "# Tea\n\nBrew it.\n")
    write(site / "content/posts/tea/index.zh.md", "# 茶\n\n泡茶。\n")
    write(site / "content/about.md", "# About\n\nUs.\n")
    folders = tmp_path / "folders"
    write(
        folders / "hugo.yaml",
        "languages:\n  en: {contentDir: content/english}\n  de: {contentDir: content/deutsch}\n",
    )
    write(folders / "content/english/usage.md", "# Usage\n\nUse it.\n")
    write(folders / "content/deutsch/usage.md", "# Nutzung\n\nBenutze es.\n")

    by_suffix, by_folder = languages(site), languages(folders)

    assert by_suffix["content/posts/tea/index.md"] == ("en", "content/posts/tea/index", "en")
    assert by_suffix["content/posts/tea/index.zh.md"] == ("zh", "content/posts/tea/index", "en")
    assert by_suffix["content/about.md"] == ("en", "content/about", "en")
    assert by_folder["content/english/usage.md"] == ("en", "content/usage", "en")
    assert by_folder["content/deutsch/usage.md"] == ("de", "content/usage", "en")


def test_front_matter_language_and_translation_key_then_script_never_a_key(tmp_path):
    write(tmp_path / "fr.md", "---\nlang: fr\ntranslationKey: tarte\n---\n# Tarte\n\nUne tarte.\n")
    write(tmp_path / "stated.md", "---\nlanguage: pt-BR\n---\n# Bolo\n\nUm bolo.\n")
    write(tmp_path / "nonsense.md", "---\nlang: elvish\n---\n# Mae govannen\n\nWell met.\n")
    write(tmp_path / "chinese.md", "# 红烧肉\n\n五花肉切块，冰糖炒色。\n")
    write(tmp_path / "japanese.md", "# 肉じゃが\n\n玉ねぎを切って、肉と一緒に煮ます。\n")
    write(tmp_path / "korean.md", "# 김치찌개\n\n김치를 볶는다.\n")
    write(tmp_path / "english.md", "# Pork\n\nBraised pork with 红烧 sauce.\n")

    found = languages(tmp_path)

    assert found["fr.md"] == ("fr", "key:tarte", None)
    assert found["stated.md"] == ("pt-BR", None, None)
    assert found["nonsense.md"] == (None, None, None)  # not a language code: not taken
    assert found["chinese.md"] == ("zh", None, None)
    assert found["japanese.md"] == ("ja", None, None)
    assert found["korean.md"] == ("ko", None, None)
    assert found["english.md"] == (None, None, None)  # Latin script: which language is not guessed


def test_script_reading():
    assert text_script("肉じゃがの作り方") == "kana" and script_language("肉じゃがの作り方") == "ja"
    assert query_languages("如何安装") == ("zh", "ja")
    assert query_languages("インストール") == ("ja",)
    assert query_languages("установка")[0] == "ru"
    assert query_languages("install the app") == ()
    assert query_languages("12345") == ()
    assert query_languages("docker compose 安装") == ("zh", "ja")  # a Chinese query naming a tool
    assert script_language("Install Dify with 安装") == ""


def test_sites_in_one_language_give_no_key(tmp_path):
    docusaurus = tmp_path / "docusaurus"
    write(docusaurus / "docusaurus.config.js", "module.exports = {};\n")  # no i18n/ folder
    write(docusaurus / "docs/intro.md", "# Intro\n\nWelcome.\n")
    hugo = tmp_path / "hugo"
    write(hugo / "hugo.toml", 'title = "One language"\n')
    write(hugo / "content/about.de.md", "# Über\n\nWir.\n")  # a suffix, but no languages configured

    assert languages(docusaurus)["docs/intro.md"] == (None, None, None)
    assert languages(hugo)["content/about.de.md"] == (None, None, None)


def test_vitepress_locales_the_first_language_at_the_root(tmp_path):
    config = "export default { lang: 'en-US', locales: { root: { label: 'English' }, zh: { lang: 'zh' } } }\n"
    write(tmp_path / "docs/.vitepress/config.ts", config)
    write(tmp_path / "docs/guide/start.md", "# Getting started\n\nInstall it.\n")
    write(tmp_path / "docs/zh/guide/start.md", "# 快速开始\n\n安装它。\n")
    plain = tmp_path / "plain"  # no `locales`: a folder named `zh` is just a folder
    write(plain / "docs/.vitepress/config.ts", "export default { title: 'Notes' }\n")
    write(plain / "docs/guide/start.md", "# Getting started\n\nInstall it.\n")

    found = languages(tmp_path)

    assert found["docs/guide/start.md"] == ("en-US", "docs/guide/start", "en-US")
    assert found["docs/zh/guide/start.md"] == ("zh", "docs/guide/start", "en-US")
    assert languages(plain)["docs/guide/start.md"] == (None, None, None)
