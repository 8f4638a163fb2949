"""Website sources (Hugo, MkDocs, Jekyll): pages read, templates and built copies reported, not read."""

from __future__ import annotations

from source_helpers import jpeg, png, read_warnings, shape, write

HUGO_TEMPLATE = '---\ntitle: "{{ replace .Name "-" " " | title }}"\ndate: {{ .Date }}\ndraft: true\n---\n'


def excluded(warned) -> list[tuple[str, str]]:
    return [(w.file, str(w)) for w in warned if w.reason == "excluded"]


def test_a_hugo_site_is_read_from_content_with_site_root_pictures(tmp_path):
    write(tmp_path / "config.toml", "baseURL = 'https://example.org/'\ntheme = 'plain'\n")
    png(tmp_path / "static/pix/soup.png")
    write(tmp_path / "content/soup.md", "---\ntitle: Soup\n---\nBoil it. ![Soup](/pix/soup.png) Serve.")
    write(tmp_path / "archetypes/default.md", HUGO_TEMPLATE)
    write(tmp_path / "layouts/_default/single.html", "<h1>{{ .Title }}</h1>{{ .Content }}")
    write(tmp_path / "themes/plain/exampleSite/content/demo.md", "Theme demo page.")
    write(tmp_path / "public/soup/index.html", "<h1>Soup</h1><p>Boil it.</p>")
    write(tmp_path / "node_modules/pkg/README.md", "# pkg\n\nA JavaScript package.")
    write(tmp_path / "README.md", "# The site\n\nRun hugo serve.")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["content/soup.md"]
    assert shape(docs[0], tmp_path) == ["T:Boil it.", "I:static/pix/soup.png", "T:Serve."]
    pages = "outside the Hugo site's pages (content/); not indexed"
    assert excluded(warned) == [  # static/ holds pictures only: nothing to say about it
        ("archetypes/", f"archetypes/: {pages}"),
        ("layouts/", f"layouts/: {pages}"),
        ("node_modules/", "node_modules/: installed JavaScript packages; not indexed"),
        ("public/", f"public/: {pages}"),
        ("themes/", f"themes/: {pages}"),
        ("README.md", f"README.md: {pages}"),
    ]
    assert [w for w in warned if w.reason != "excluded"] == []


def test_hugo_content_dir_comes_from_its_config_and_a_plain_config_toml_is_not_a_site(tmp_path):
    site = tmp_path / "site"
    write(site / "hugo.yaml", "contentDir: pages\n")
    write(site / "pages/a.md", "Page a.")
    write(site / "content/old.md", "Not a page of this site.")
    docs, warned = read_warnings(site)
    assert [d.id for d in docs] == ["pages/a.md"]
    assert [f for f, _ in excluded(warned)] == ["content/"]

    notes = tmp_path / "notes"  # a config.toml of some tool, no content/ + layouts/: every note is read
    write(notes / "config.toml", "x = 1\n")
    write(notes / "content/a.md", "A.")
    write(notes / "b.md", "B.")
    docs, warned = read_warnings(notes)
    assert [d.id for d in docs] == ["b.md", "content/a.md"] and excluded(warned) == []


def test_an_unreadable_site_config_falls_back_to_the_generators_default_folder(tmp_path):
    write(tmp_path / "hugo.toml", "this is = = not toml")
    write(tmp_path / "content/a.md", "A.")
    write(tmp_path / "notes.md", "Left out.")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["content/a.md"]
    assert [f for f, _ in excluded(warned)] == ["notes.md"]


def test_mkdocs_pages_come_from_docs_dir_even_with_python_tags_in_its_config(tmp_path):
    write(
        tmp_path / "mkdocs.yml",
        "site_name: Repairs\ndocs_dir: documentation\nmarkdown_extensions:\n"
        "  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
    )
    write(tmp_path / "documentation/fix-a-tap.md", "# Fix a tap\n\nTurn the water off.")
    write(tmp_path / "documentation/kitchen/sink/unblock.md", "# Unblock a sink\n\nUse a plunger.")
    write(tmp_path / "site/fix-a-tap/index.html", "<p>Turn the water off.</p>")
    write(tmp_path / "README.md", "Build with mkdocs.")

    docs, warned = read_warnings(tmp_path)

    # pages in folders under docs_dir are pages too (they were reported "outside the site's pages")
    assert [d.id for d in docs] == ["documentation/fix-a-tap.md", "documentation/kitchen/sink/unblock.md"]
    assert [f for f, _ in excluded(warned)] == ["site/", "README.md"]


def test_jekyll_reads_pages_posts_and_collections_not_layouts_includes_or_the_built_site(tmp_path):
    write(tmp_path / "_config.yml", "collections:\n  recipes:\n    output: true\nexclude:\n  - drafts-old/\n")
    write(tmp_path / "_layouts/default.html", "<html>{{ content }}</html>")
    write(tmp_path / "_includes/head.html", "<title>{{ page.title }}</title>")
    write(tmp_path / "_site/index.html", "<p>About us</p>")
    write(tmp_path / "_posts/2024-01-01-bread.md", "Knead the dough.")
    write(tmp_path / "_recipes/soup.md", "Boil the stock.")
    write(tmp_path / "drafts-old/x.md", "Old draft.")
    write(tmp_path / "about.md", "About us.")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["_posts/2024-01-01-bread.md", "_recipes/soup.md", "about.md"]
    assert excluded(warned) == [
        ("_includes/", "_includes/: Jekyll templates and data, not pages; not indexed"),
        ("_layouts/", "_layouts/: Jekyll templates and data, not pages; not indexed"),
        ("_site/", "_site/: the built site; not indexed"),
        ("drafts-old/", "drafts-old/: excluded by the Jekyll site's configuration; not indexed"),
    ]


def test_toml_front_matter_and_tab_separated_yaml_are_read(tmp_path):
    write(
        tmp_path / "toml.md",
        '+++\ntitle = "Za\'atar"\ntags = ["spice", "levant"]\ndate = 2022-09-30\n+++\nMix.',
    )
    write(
        tmp_path / "tabs.md",
        "---\ntitle:\t\"Zaatar\"\ntags:\t['spice']\nauthor:\tWael\n---\nToast the seeds.",
    )
    write(tmp_path / "bad.md", "+++\ntitle = \n+++\nStill read.")

    docs, warned = read_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert (by_id["toml.md"].title, by_id["toml.md"].text) == ("Za'atar", "Mix.")
    assert by_id["toml.md"].meta["tags"] == ["spice", "levant"]
    assert by_id["toml.md"].meta["properties"] == {"date": "2022-09-30"}
    assert (by_id["tabs.md"].title, by_id["tabs.md"].meta["properties"]) == ("Zaatar", {"author": "Wael"})
    assert by_id["bad.md"].text == "Still read."
    assert [(w.file, w.reason) for w in warned] == [("bad.md", "front matter")]
    assert str(warned[0]).startswith("bad.md: front matter is not valid TOML (")


def test_plain_text_notes_are_read_and_documents_we_cannot_read_are_named(tmp_path):
    write(tmp_path / "Groceries.txt", "\n  Groceries for Sunday  \n- 2 *fresh* eggs\n- flour\n")
    write(tmp_path / "long.txt", "x" * 150 + "\nsecond line")
    write(tmp_path / "requirements.txt", "torch\n")
    write(tmp_path / "ex1data1.txt", "6.1101,17.592\n5.5277,9.1302\n1e-3\t-0.5\n")  # data, not a note
    write(tmp_path / "Readings 2024.txt", "Readings 2024\n12.5, 13.1\n")  # a title: a note with numbers
    write(tmp_path / "manual.pdf", b"%PDF-1.4\n%%EOF")
    write(tmp_path / "notes.onepkg", b"MSCF")  # a OneNote package: not read, said
    write(tmp_path / "photo.png", b"not read as a note")  # not a note; a picture no note shows

    docs, warned = read_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["Groceries.txt", "Readings 2024.txt", "long.txt"]
    assert by_id["Groceries.txt"].title == "Groceries for Sunday"
    assert (
        by_id["Groceries.txt"].text == "Groceries for Sunday\n- 2 *fresh* eggs\n- flour"
    )  # markup kept as typed
    assert by_id["long.txt"].title == "long"  # a first line too long for a title: the file name
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        ("ex1data1.txt", "excluded", "ex1data1.txt: a table of numbers (data, not a note); not indexed"),
        ("manual.pdf", "unreadable", "manual.pdf: PDF cannot be opened, it is damaged; skipped"),
        (
            "notes.onepkg",
            "unsupported type",
            "notes.onepkg: OneNote packages (a cabinet archive: unpack it, then add the folder) "
            "are not read; not indexed",
        ),
        ("requirements.txt", "excluded", "requirements.txt: a tool's file, not a note; not indexed"),
        (  # a picture no note shows is a document of its own: this one cannot be, and says why
            "photo.png",
            "unreadable",
            "photo.png: image skipped, unreadable image: photo.png (cannot identify image file)",
        ),
    ]


DOCUSAURUS_PAGE = """\
---
title: Replace a bike chain
---
import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';
import chainTool from './img/chain-tool.png';

export const Pin = ({children}) => (
  <b>{children}</b>
);

{/* editors: keep the steps short */}

:::tip[Before you start]
Shift to the smallest cog.
:::

<Tabs>
<TabItem value="quick" label="Quick link">
Open the quick link with pliers. <img src={chainTool} alt="tool" />
</TabItem>
</Tabs>

<img src={require('./img/new-chain.jpg').default} />

```js
import x from 'y';
export PATH=/usr/bin
{/* a sample comment */}
```

Then export PATH=$HOME/bin is not code here.
"""


def test_a_docusaurus_page_reads_its_words_and_imported_pictures(tmp_path):
    """Docusaurus reads .md and .mdx as MDX: imports, exports and comments are code, admonition
    markers go, a tab's label stays (the page shows it), pictures imported as modules are found;
    build/ and older released versions are left out, the newest released version read."""
    write(tmp_path / "docusaurus.config.js", "module.exports = {};\n")
    write(tmp_path / "docs/chain.mdx", DOCUSAURUS_PAGE)
    write(tmp_path / "docs/wheel.md", "# True a wheel\n\n:::note\nSpoke by spoke.\n:::\n")
    png(tmp_path / "docs/img/chain-tool.png")
    jpeg(tmp_path / "docs/img/new-chain.jpg")
    write(tmp_path / "build/docs/chain/index.html", "<html><body>built copy</body></html>")
    write(tmp_path / "static/notes.txt", "served as is")
    write(tmp_path / "versions.json", '["2.0", "1.0"]')
    write(tmp_path / "versioned_docs/version-2.0/brakes.md", "# Bleed the brakes\n")  # the released docs
    write(tmp_path / "versioned_docs/version-1.0/chain.md", "# Old chain page\n")

    docs, warned = read_warnings(tmp_path)

    assert sorted(str(w) for w in warned) == [
        "build/: the built site; not indexed",
        "static/: files the site serves as they are; not indexed",
        "versioned_docs/version-1.0/: an older version of the docs (the newest is 2.0); not indexed",
    ]
    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["docs/chain.mdx", "docs/wheel.md", "versioned_docs/version-2.0/brakes.md"]
    chain = by_id["docs/chain.mdx"]
    assert chain.title == "Replace a bike chain"
    assert shape(chain, tmp_path) == [
        "T:Before you start\nShift to the smallest cog.\n\nQuick link\n\nOpen the quick link with pliers.",
        "I:docs/img/chain-tool.png",
        "I:docs/img/new-chain.jpg",
        "T:import x from 'y';\nexport PATH=/usr/bin\n{/* a sample comment */}\n\n"
        "Then export PATH=$HOME/bin is not code here.",
    ]
    assert by_id["docs/wheel.md"].text == "# True a wheel\n\nSpoke by spoke."


MINTLIFY_PAGE = """\
---
title: "単一ノード"
---

ノードを選択し、「実行」をクリックします。

<Frame>
  ![テストパネル](/images/step-run.png)
</Frame>

<Steps>
  <Step title="ノードを追加">
    ノードを選択します。

        <Frame caption="結果">
          ![](https://assets.example.com/remote.png)
        </Frame>
  </Step>
  <Step
    title="公開"
    icon="rocket"
  >
    - 公開をクリック
      - 確認
  </Step>
</Steps>

<Card title="次へ" href="/ja/next" />

<Info>保存されました</Info>

```jsx
<Frame>
  ![not a picture](/images/in-code.png)
</Frame>
```
"""


def test_markdown_inside_mdx_components_is_read_as_markdown_pictures_in_place(tmp_path):
    """Mintlify's `<Frame>` around a screenshot, `<Step title=...>` around indented steps: the
    pictures in place (a remote one reported), the titles kept, the tags gone, code left alone."""
    write(tmp_path / "docs.json", '{"name": "Docs"}')
    png(tmp_path / "images/step-run.png")
    write(tmp_path / "ja/step-run.mdx", MINTLIFY_PAGE)

    [doc], warned = read_warnings(tmp_path)

    assert shape(doc, tmp_path) == [
        "T:ノードを選択し、「実行」をクリックします。",
        "I:images/step-run.png",
        "T:ノードを追加\n\nノードを選択します。\n\n結果\n\n公開\n\n- 公開をクリック\n  - 確認\n\n"
        "次へ\n\n保存されました\n\n<Frame>\n  ![not a picture](/images/in-code.png)\n</Frame>",
    ]
    assert [(w.file, w.reason) for w in warned] == [("ja/step-run.mdx", "remote")]


RMARKDOWN_NOTE = """\
---
title: "Western blot, day 2"
---

::: {.callout-note}
Keep the membrane wet.
:::

```{r transfer, echo=FALSE}
knitr::include_graphics("img/membrane.png")
```

Block for one hour.

```{r}
include_graphics(c("img/ladder.jpg", "img/gone.png"))
```
"""


def test_r_markdown_and_quarto_notes_show_their_chunks_pictures(tmp_path):
    write(tmp_path / "blot.Rmd", RMARKDOWN_NOTE)
    write(tmp_path / "gel.qmd", "# Gel\n\nRun at 120 V.\n\n```{python}\nprint('no pictures')\n```\n")
    png(tmp_path / "img/membrane.png")
    jpeg(tmp_path / "img/ladder.jpg")

    docs, warned = read_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["blot.Rmd", "gel.qmd"]
    blot = by_id["blot.Rmd"]
    assert blot.title == "Western blot, day 2"
    assert shape(blot, tmp_path) == [
        'T:Keep the membrane wet.\n\nknitr::include_graphics("img/membrane.png")',
        "I:img/membrane.png",
        'T:Block for one hour.\n\ninclude_graphics(c("img/ladder.jpg", "img/gone.png"))',
        "I:img/ladder.jpg",
    ]
    assert [(w.file, w.reference, w.reason) for w in warned] == [("blot.Rmd", "img/gone.png", "missing")]
    assert by_id["gel.qmd"].text == "# Gel\n\nRun at 120 V.\n\nprint('no pictures')"


def test_jekyll_liquid_links_pictures_from_the_site_root_and_its_tags_are_not_words(tmp_path):
    # neoranger/jekyll-now (Spanish): `![_Logo ]({{ site.baseurl }}/images/conky1.jpg)` is no link
    # to CommonMark (spaces in the destination): 38 pictures lost without a word, their syntax and
    # 20 `{% if %}` / `{% for %}` tags read as words, a page's front matter read as its text.
    write(tmp_path / "_config.yml", 'baseurl: ""\n')
    png(tmp_path / "images/conky1.jpg")
    jpeg(tmp_path / "assets/logo.jpg")
    write(
        tmp_path / "_posts/2013-07-26-conky.md",
        "---\ntitle: Conky fácil\n---\nAbrimos Conky-manager.\n\n"
        "![_Logo ]({{ site.baseurl }}/images/conky1.jpg)\n\n"
        "{% include aviso.html %}Listo {% if page.tags %}ya{% endif %}. $a \\texttt{%} b$ y $\\texttt{%}$\n"
        '<img src="{{ "/assets/logo.jpg" | relative_url }}"> '
        "{% comment %}borrador\nsin terminar{% endcomment %}Fin.\n\n"
        "{% highlight bash %}\nconky -c ~/.conkyrc {{ site.url }}\n{% endhighlight %}\n\n"
        "Así: {% raw %}{{ site.baseurl }}{% endraw %}\n\n```liquid\n{% for post in site.posts %}\n```\n",
    )
    write(
        tmp_path / "aportes.html",
        "---\nlayout: page\ntitle: Aportes\n---\n<div>{% for post in site.posts %}"
        '<h1><a href="{{ site.baseurl }}{{ post.url }}">{{ post.title }}</a></h1>{% endfor %}Leer más</div>',
    )
    write(tmp_path / "saved.html", "<title>Guía</title><pre>{% raw %} {{ x }}</pre>")  # a saved page: as is

    docs, warned = read_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert shape(by_id["_posts/2013-07-26-conky.md"], tmp_path) == [
        "T:Abrimos Conky-manager.",
        "I:images/conky1.jpg",
        "T:Listo ya. $a \\texttt{%} b$ y $\\texttt{%}$",  # TeX's `{%` is no Liquid tag
        "I:assets/logo.jpg",
        "T:Fin.\n\nconky -c ~/.conkyrc {{ site.url }}\n\n"
        "Así: {{ site.baseurl }}\n\n{% for post in site.posts %}",
    ]  # code (fenced, or `{% highlight %}`) and `{% raw %}` are kept as written
    assert (by_id["aportes.html"].title, by_id["aportes.html"].text) == ("Aportes", "Leer más")
    assert by_id["saved.html"].text == "{% raw %} {{ x }}"
    assert warned == []


HUGO_PAGE = """\
---
title: Replace a faucet cartridge
---
Shut off the water. {{< figure src="/img/valve.jpg" title="Both valves" caption="turned clockwise" >}}

{{< figure src="cartridge.png" alt="The old cartridge"
  caption="The old cartridge" width="400" >}}

{{< notice warning >}}
Do not overtighten.
{{< /notice >}}

See [the tools]({{< ref "tools.md" >}}). {{< youtube w7Ft2ymGmfc >}} {{< figure src="/img/gone.jpg" >}}

```markdown
{{</* figure src="/img/valve.jpg" */>}}
```
Written as {{</* figure src="x.jpg" */>}} in the page source.
"""


def test_hugo_figure_shortcodes_are_pictures_in_place_and_other_shortcodes_read_as_shown(tmp_path):
    write(tmp_path / "hugo.toml", 'title = "Fix it"\n')
    write(tmp_path / "content/faucet/index.md", HUGO_PAGE)
    write(tmp_path / "content/tools.md", "# Tools\n\nA wrench.\n")
    png(tmp_path / "content/faucet/cartridge.png")
    jpeg(tmp_path / "static/img/valve.jpg")

    docs, warned = read_warnings(tmp_path)

    page = {d.id: d for d in docs}["content/faucet/index.md"]  # a page bundle: a folder under content/
    assert shape(page, tmp_path)[:4] == [
        "T:Shut off the water.",
        "I:static/img/valve.jpg",
        "T:Both valves turned clockwise",
        "I:content/faucet/cartridge.png",
    ]
    text = page.text
    assert "Do not overtighten." in text and "See the tools." in text and "youtube" not in text
    assert "notice" not in text and "ref" not in text.replace("reference", "")
    assert '{{</* figure src="/img/valve.jpg" */>}}' in text  # fenced code: as written
    assert 'Written as {{< figure src="x.jpg" >}} in the page source.' in text  # escaped: shown as source
    assert [(w.file, w.reference, w.reason) for w in warned] == [
        ("content/faucet/index.md", "/img/gone.jpg", "missing")
    ]
