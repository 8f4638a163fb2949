"""JavaScript site sources (VuePress, VitePress, Hexo, Docsify, GitBook): their pages read with the
pictures the site shows, their templates, built copies and navigation reported, not read; ordinary
folders that share a file name with them are read as before."""

from __future__ import annotations

from source_helpers import jpeg, png, read_warnings, settle, shape, write

from indexer.build import build_index
from indexer.store import Index


def excluded(warned) -> list[tuple[str, str]]:
    return [(w.file, str(w)) for w in warned if w.reason == "excluded"]


def others(warned) -> list[str]:
    return [str(w) for w in warned if w.reason != "excluded"]


def test_a_vuepress_site_in_docs_reads_public_pictures_and_drops_its_markdown_extras(tmp_path):
    write(tmp_path / "package.json", '{"scripts": {"docs:dev": "vuepress dev docs"}}')
    write(
        tmp_path / "docs/.vuepress/config.js",
        "module.exports = {\n  // base: '/old/',\n  base: '/notes/',\n  dest: 'dist',\n  title: '笔记'\n}\n",
    )
    png(tmp_path / "docs/.vuepress/public/images/pot.png")
    png(tmp_path / "docs/.vuepress/public/logo.png")  # the theme's logo, shown by no page: not a document
    write(
        tmp_path / "docs/guide/soup.md",
        "# 煮汤\n\n[[toc]]\n\n::: tip 提示\n先烧水。\n:::\n\n![锅](/images/pot.png)\n\n"
        '@[code js](./snippets/boil.js)\n\n<<< @/snippets/boil.js{2}\n\n<ClientOnly>\n<Timer minutes="5"/>\n'
        "</ClientOnly>\n\n再放盐。 ![锅](/notes/images/pot.png)\n\n```js\n// [[toc]] in code stays\n```\n\n"
        '<img :src="$withBase(\'/images/pot.png\')" alt="锅">\n',
    )
    write(tmp_path / "dist/guide/soup.html", "<p>先烧水。</p>")  # `dest` is from the project's root
    write(tmp_path / "README.md", "# The repository\n\nRun npm run docs:dev.")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["docs/guide/soup.md"]
    pot = "I:docs/.vuepress/public/images/pot.png"
    assert shape(docs[0], tmp_path) == [
        "T:# 煮汤\n\n提示\n先烧水。",
        pot,
        "T:再放盐。",
        pot,  # the base URL path `/notes/` taken off
        "T:// [[toc]] in code stays",
        pot,  # a Vue binding: `:src="$withBase('/images/pot.png')"`
    ]
    assert excluded(warned) == [
        ("dist/", "dist/: the built site; not indexed"),
        ("README.md", "README.md: outside the VuePress site's pages (docs/); not indexed"),
        (  # the logo: one of the served pictures no page shows, said with its folder
            "docs/.vuepress/public/",
            "docs/.vuepress/public/: 1 picture(s) of the website that no page shows; not indexed",
        ),
    ]
    assert others(warned) == []


def test_a_vuepress_2_site_keeps_its_config_at_the_project_root(tmp_path):
    write(tmp_path / "vuepress.config.ts", "export default defineUserConfig({ base: '/kb/' })\n")
    png(tmp_path / "docs/.vuepress/public/fuse.png")
    write(tmp_path / "docs/car/fuse.md", "# Fuse\n\n![Fuse box](/kb/fuse.png)\n")
    write(tmp_path / "notes.md", "Outside the site.")
    docs, warned = read_warnings(tmp_path)
    assert [shape(d, tmp_path) for d in docs] == [["T:# Fuse", "I:docs/.vuepress/public/fuse.png"]]
    assert [f for f, _ in excluded(warned)] == ["notes.md"] and others(warned) == []


def test_a_vitepress_site_reads_pages_from_src_dir_and_pictures_from_its_public_folder(tmp_path):
    write(
        tmp_path / "docs/.vitepress/config.mts",
        "import { defineConfig } from 'vitepress'\nexport default defineConfig({\n"
        "  srcDir: './src',\n  outDir: '../dist',\n  srcExclude: ['**/drafts/**'],\n})\n",
    )
    png(tmp_path / "docs/src/public/shelf.png")
    write(
        tmp_path / "docs/src/diy/shelf.md",
        "---\ntitle: 装书架\ntags: [木工]\n---\n\n## 准备 {#prepare}\n\n![书架](/shelf.png)\n\n"
        "::: code-group\n\n```sh [npm]\nnpm i\n```\n\n:::\n",
    )
    write(tmp_path / "docs/src/public/notice.md", "Served as it is.")
    write(tmp_path / "docs/index.md", "Not a page: outside srcDir.")
    write(tmp_path / "dist/diy/shelf.html", "<p>built</p>")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["docs/src/diy/shelf.md"]
    assert docs[0].title == "装书架" and docs[0].meta["tags"] == ["木工"]
    assert shape(docs[0], tmp_path) == ["T:## 准备", "I:docs/src/public/shelf.png", "T:npm i"]
    pages = "outside the VitePress site's pages (docs/src/); not indexed"
    assert excluded(warned) == [
        ("dist/", "dist/: the built site; not indexed"),
        ("docs/index.md", f"docs/index.md: {pages}"),
        ("docs/src/public/", "docs/src/public/: files the site serves as they are; not indexed"),
    ]


HEXO_CONFIG = (
    "title: 厨房\nsource_dir: source\npublic_dir: public\npost_asset_folder: true\nskip_render: secret/**\n"
)


def test_a_hexo_blog_reads_posts_with_asset_folders_tags_and_site_root_pictures(tmp_path):
    write(tmp_path / "_config.yml", HEXO_CONFIG)
    write(tmp_path / "scaffolds/post.md", "---\ntitle: {{ title }}\ndate: {{ date }}\ntags:\n---\n")
    write(tmp_path / "themes/next/README.md", "# NexT\n\nA theme.")
    write(tmp_path / "public/2024/01/soup/index.html", "<p>built</p>")
    write(tmp_path / "source/_data/styles.md", "Theme data.")
    write(tmp_path / "source/secret/plan.md", "Not rendered.")
    jpeg(tmp_path / "source/_posts/soup/step1.jpg")
    png(tmp_path / "source/_posts/soup/step2.png")
    png(tmp_path / "source/images/pot.png", "green")
    write(
        tmp_path / "source/_posts/soup.md",
        "---\ntitle: 番茄汤\ndate: 2024-01-02 10:00:00\ntags:\n  - 汤\n  - 晚饭\ncategories: [厨房]\n---\n\n"
        "切番茄。\n\n{% asset_img step1.jpg 切好的番茄 %}\n\n下锅。 ![](step2.png)\n\n"
        "{% img /images/pot.png 300 200 '锅' %}\n\n{% note info %}\n小火。\n{% endnote %}\n\n"
        "{% codeblock 做法 lang:python %}\nboil(soup)\n{% endcodeblock %}\n\n"
        "{% raw %}{% asset_img kept.jpg %}{% endraw %} 见 {% post_link bread 面包 %}。\n",
    )
    write(tmp_path / "source/_posts/bread.md", "title: 面包\ndate: 2024-01-03\ntags: 烘焙\n---\n\n揉面。\n")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["source/_posts/bread.md", "source/_posts/soup.md"]
    bread, soup = docs
    assert (bread.title, bread.meta["tags"], bread.text) == ("面包", ["烘焙"], "揉面。")
    assert soup.title == "番茄汤" and soup.meta["tags"] == ["汤", "晚饭", "厨房"]  # categories are tags too
    assert "categories" not in soup.meta["properties"]
    assert shape(soup, tmp_path) == [
        "T:切番茄。",
        "I:source/_posts/soup/step1.jpg",
        "T:切好的番茄\n\n下锅。",
        "I:source/_posts/soup/step2.png",
        "I:source/images/pot.png",
        "T:锅\n\n小火。\n\nboil(soup)\n\n{% asset_img kept.jpg %} 见 面包。",
    ]
    assert excluded(warned) == [
        ("public/", "public/: the built site; not indexed"),
        ("scaffolds/", "scaffolds/: Hexo's templates for new posts, not pages; not indexed"),
        ("themes/", "themes/: Hexo themes: page templates, not pages; not indexed"),
        ("source/_data/", "source/_data/: Hexo theme data, not pages; not indexed"),
        ("source/secret/", "source/secret/: excluded by the Hexo site's configuration; not indexed"),
    ]
    assert others(warned) == []


def test_a_header_without_its_opening_line_needs_two_keys_one_line_is_a_heading(tmp_path):
    write(tmp_path / "log.md", "Date: Monday\n---\n\nFixed the tap.\n")  # a setext heading
    write(tmp_path / "post.md", "title: Tap\ndate: 2024-05-01\n---\n\nFixed the tap.\n")
    docs, _ = read_warnings(tmp_path)
    assert [(d.title, d.text) for d in docs] == [
        ("log", "## Date: Monday\n\nFixed the tap."),  # its words kept
        ("Tap", "Fixed the tap."),
    ]


def test_a_missing_asset_folder_picture_is_named_as_the_post_links_it(tmp_path):
    write(tmp_path / "_config.yml", HEXO_CONFIG)
    write(tmp_path / "source/_posts/tea.md", "---\ntitle: Tea\n---\nSteep. {% asset_img cup.jpg A cup %}\n")
    docs, warned = read_warnings(tmp_path)
    assert [d.text for d in docs] == ["Steep. A cup"]
    assert [(w.file, w.reason, w.reference) for w in warned] == [
        ("source/_posts/tea.md", "missing", "tea/cup.jpg")
    ]


def test_jekyll_configs_are_not_taken_for_hexo(tmp_path):
    jekyll = tmp_path / "jekyll"  # a Jekyll site: `_config.yml`, `_posts/`, `_layouts/`
    write(jekyll / "_config.yml", "title: Blog\ntheme: minima\n")
    write(jekyll / "_posts/2024-01-01-hi.md", "---\ntitle: Hi\n---\nHello.")
    write(jekyll / "_layouts/post.html", "{{ content }}")
    write(jekyll / "source/notes.md", "A folder named source.")
    docs, warned = read_warnings(jekyll)
    assert [d.id for d in docs] == ["_posts/2024-01-01-hi.md", "source/notes.md"]
    assert [f for f, _ in excluded(warned)] == ["_layouts/"]

    moved = tmp_path / "moved"  # Jekyll with its pages moved to `source/` (its `source:` setting)
    write(moved / "_config.yml", "source: source\npermalink: pretty\n")
    write(moved / "scaffolds/readme.md", "Not Hexo's scaffolds.")
    write(moved / "source/_posts/2024-01-01-hi.md", "Hello.")
    docs, _ = read_warnings(moved)
    assert [d.id for d in docs] == ["scaffolds/readme.md", "source/_posts/2024-01-01-hi.md"]


DOCSIFY = (
    '<!DOCTYPE html><html><body><div id="app"></div><script>\n'
    "  window.$docsify = { name: '电子笔记', basePath: '/docs/', loadSidebar: true }\n"
    '</script><script src="//cdn.jsdelivr.net/npm/docsify@4"></script></body></html>'
)


def test_a_docsify_site_leaves_out_its_navigation_and_app_page(tmp_path):
    write(tmp_path / "index.html", DOCSIFY)
    write(tmp_path / "README.md", "# Repository\n\nOpen index.html.")
    write(tmp_path / "docs/README.md", "# 首页\n\n?> 先装驱动。\n\n!> 别接错线。\n")
    write(tmp_path / "docs/_sidebar.md", "- [首页](README.md)\n- [接线](board/wiring.md)")
    write(tmp_path / "docs/_coverpage.md", "# 电子笔记\n\n[开始](#)")
    write(tmp_path / "docs/board/_sidebar.md", "- [接线](wiring.md)")
    jpeg(tmp_path / "docs/board/_images/wiring.jpg")
    write(tmp_path / "docs/board/wiring.md", "# 接线\n\n![接线图](_images/wiring.jpg)\n")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["docs/README.md", "docs/board/wiring.md"]
    assert docs[0].text == "# 首页\n\n先装驱动。\n\n别接错线。"
    assert shape(docs[1], tmp_path) == ["T:# 接线", "I:docs/board/_images/wiring.jpg"]
    navigation = "Docsify navigation, not a note; not indexed"
    pages = "outside the Docsify site's pages (docs/); not indexed"
    assert excluded(warned) == [
        ("README.md", f"README.md: {pages}"),
        ("index.html", f"index.html: {pages}"),
        ("docs/_coverpage.md", f"docs/_coverpage.md: {navigation}"),
        ("docs/_sidebar.md", f"docs/_sidebar.md: {navigation}"),
        ("docs/board/_sidebar.md", f"docs/board/_sidebar.md: {navigation}"),
    ]


def test_a_docsify_site_at_the_root_and_an_index_html_that_is_only_a_page(tmp_path):
    site = tmp_path / "site"
    write(
        site / "index.html", DOCSIFY.replace("basePath: '/docs/', loadSidebar: true", "loadSidebar: 'toc.md'")
    )
    write(site / "guide.md", "Guide.")
    write(site / "toc.md", "- [Guide](guide.md)")  # its sidebar, named in the config
    docs, warned = read_warnings(site)
    assert [d.id for d in docs] == ["guide.md"]
    assert excluded(warned) == [
        ("index.html", "index.html: the Docsify site's app page, not a note; not indexed"),
        ("toc.md", "toc.md: Docsify navigation, not a note; not indexed"),
    ]

    notes = tmp_path / "notes"  # a saved page named index.html, and a _sidebar.md, in plain notes
    write(notes / "index.html", "<html><body><h1>Bookmarks</h1><p>Knots and hitches.</p></body></html>")
    write(notes / "_sidebar.md", "Garden plan for the side bed.")
    docs, warned = read_warnings(notes)
    assert [d.id for d in docs] == ["_sidebar.md", "index.html"] and excluded(warned) == []


def test_a_gitbook_reads_pictures_from_its_hidden_assets_folder_and_leaves_out_its_summary(tmp_path):
    write(tmp_path / "book.json", '{"root": "./book", "plugins": ["hints"]}')
    write(tmp_path / "README.md", "The repository's readme, outside the book.")
    write(tmp_path / "book/SUMMARY.md", "# Summary\n\n* [Intro](README.md)\n* [Install](setup/install.md)")
    write(tmp_path / "book/README.md", "# Intro\n\n![Cover](.gitbook/assets/cover.png)\n")
    png(tmp_path / "book/.gitbook/assets/cover.png")
    jpeg(tmp_path / "book/.gitbook/assets/board (1).jpg")
    write(
        tmp_path / "book/setup/install.md",
        '# Install\n\n{% hint style="info" %}\nUnplug it first.\n{% endhint %}\n\n{% tabs %}\n'
        '{% tab title="Linux" %}\nRun the script.\n{% endtab %}\n{% endtabs %}\n\n'
        "![](<.gitbook/assets/board (1).jpg>)\n\n"  # as GitBook wrote it from a page one folder down
        '<figure><img src="../.gitbook/assets/cover.png" alt="">'
        "<figcaption><p>The box</p></figcaption></figure>\n",
    )
    write(tmp_path / "book/_book/index.html", "<p>built</p>")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["book/README.md", "book/setup/install.md"]
    assert shape(docs[0], tmp_path) == ["T:# Intro", "I:book/.gitbook/assets/cover.png"]
    assert shape(docs[1], tmp_path) == [
        "T:# Install\n\nUnplug it first.\n\nLinux\nRun the script.",
        "I:book/.gitbook/assets/board (1).jpg",
        "I:book/.gitbook/assets/cover.png",
        "T:The box",
    ]
    assert excluded(warned) == [
        ("README.md", "README.md: outside the GitBook site's pages (book/); not indexed"),
        ("book/_book/", "book/_book/: the built book; not indexed"),
        ("book/SUMMARY.md", "book/SUMMARY.md: the book's table of contents, not a note; not indexed"),
    ]
    assert others(warned) == []


def test_a_site_one_folder_down_is_only_recognised_where_a_repository_keeps_one(tmp_path):
    write(tmp_path / "recipes/soup.md", "Soup.")  # a person's folders; one holds a copied Docsify site
    write(tmp_path / "projects/wiki/index.html", DOCSIFY.replace("</body>", "<p>Wiring notes</p></body>"))
    write(tmp_path / "projects/wiki/_sidebar.md", "- [Home](README.md)")
    write(tmp_path / "garden/.vuepress/config.js", "module.exports = {}")  # not a site folder by name
    write(tmp_path / "garden/beds.md", "Beds.")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == [
        "garden/beds.md",
        "projects/wiki/_sidebar.md",
        "projects/wiki/index.html",
        "recipes/soup.md",
    ]
    assert excluded(warned) == []


def test_a_picture_appearing_in_a_posts_asset_folder_is_seen_on_the_next_run(tiny_dsvl, tmp_path):
    blog = tmp_path / "blog"
    write(blog / "_config.yml", HEXO_CONFIG)
    write(blog / "source/_posts/tea.md", "---\ntitle: Tea\n---\nSteep three minutes. ![](cup.png)\n")
    write(blog / "source/_posts/rice.md", "---\ntitle: Rice\n---\nRinse twice.\n")
    settle(blog)
    uri = tmp_path / "index"
    report = build_index(blog, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert [(s.source, s.reason) for s in report.skipped] == [("source/_posts/tea.md", "missing")]
    again = build_index(blog, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert (again.unchanged, again.embedded) == (2, 0)  # nothing read again
    png(blog / "source/_posts/tea/cup.png", size=(80, 80))
    settle(blog / "source/_posts/tea", age=5)
    report = build_index(blog, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert (report.updated, report.unchanged, report.skipped) == (1, 1, ())
    tea = next(d for d in Index.open(uri).documents() if d.id.endswith("tea.md"))
    assert len(tea.images) == 1


QUARTZ_CONFIG = """import { QuartzConfig } from "./quartz/cfg"
const config: QuartzConfig = {
  configuration: {
    pageTitle: "金的笔记",
    // ignorePatterns: ["old"],
    ignorePatterns: ["private", "templates", ".obsidian", "!keep"],
    baseUrl: "example.github.io/vault",
  },
}
export default config
"""


def test_a_quartz_site_reads_its_vault_and_leaves_out_quartzs_own_docs_and_ignored_folders(tmp_path):
    write(tmp_path / "quartz.config.ts", QUARTZ_CONFIG)
    write(tmp_path / "quartz/components/Footer.tsx", "export default () => null\n")
    write(tmp_path / "docs/features/callouts.md", "# Callouts\n\nQuartz's own documentation.")
    write(tmp_path / "README.md", "# Quartz v4\n\nHost your second brain.")
    png(tmp_path / "content/_resources/Pasted image 20250314153922.png", size=(320, 200))
    write(
        tmp_path / "content/AWS CP/EC2.md",
        "# EC2\n\n> [!note] 인스턴스\n> 가상 서버\n\n![[Pasted image 20250314153922.png]]\n",
    )
    write(tmp_path / "content/private/diary.md", "Not published.")
    write(tmp_path / "content/templates/daily.md", "# {{date}}")
    write(tmp_path / "content/old/kept.md", "A commented-out pattern keeps nothing out.")

    docs, warned = read_warnings(tmp_path)

    assert sorted(d.id for d in docs) == ["content/AWS CP/EC2.md", "content/old/kept.md"]
    ec2 = next(d for d in docs if d.id == "content/AWS CP/EC2.md")
    assert shape(ec2, tmp_path)[1:] == ["I:content/_resources/Pasted image 20250314153922.png"]
    assert "인스턴스" in shape(ec2, tmp_path)[0]
    outside = "outside the Quartz site's pages (content/); not indexed"
    configured = "excluded by the Quartz site's configuration; not indexed"
    assert excluded(warned) == [
        ("docs/", f"docs/: {outside}"),
        ("README.md", f"README.md: {outside}"),
        ("content/private/", f"content/private/: {configured}"),
        ("content/templates/", f"content/templates/: {configured}"),
    ]
    assert others(warned) == []


def test_a_quartz_config_without_ignore_patterns_reads_all_of_content(tmp_path):
    write(tmp_path / "quartz.config.ts", "const config = { configuration: { pageTitle: 'x' } }\n")
    write(tmp_path / "content/private/diary.md", "Published: no pattern keeps it out.")
    write(tmp_path / "notes.md", "Outside content/.")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["content/private/diary.md"]
    assert [f for f, _ in excluded(warned)] == ["notes.md"]
