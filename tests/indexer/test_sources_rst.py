"""reStructuredText notes (Sphinx and docutils how-to docs): words and pictures in order, metadata,
Sphinx's markup read as a built page shows it, a Sphinx site's build left out."""

from __future__ import annotations

import sys

from source_helpers import jpeg, png, read_warnings, shape, write

from indexer.sources.rst import parse_rst

RST_NOTE = """\
:tags: bike, repair
:author: Ana
:orphan:

Replace a bike chain
====================

Count the links with *care* and ``chain-tool``, see :ref:`the guide <chain-guide>`.

.. figure:: photos/old-chain.jpg
   :alt: the old chain
   :loading: lazy

   The old chain, stretched.

   Measure it against a ruler.

.. note:: Wear gloves.

Tools
-----

.. list-table::
   :header-rows: 1

   * - tool
     - size
   * - pliers
     - 10 mm

#. Shift to the small ring.
#. Press out a pin |pin|.

.. |pin| image:: photos/pin.png

.. code-block:: sh

   echo "*not emphasis*"

.. image:: photos/missing.jpg
.. image:: /top.png
"""


def test_an_rst_note_reads_as_its_built_page_shows_it(tmp_path):
    jpeg(tmp_path / "notes/bike/photos/old-chain.jpg")
    png(tmp_path / "notes/bike/photos/pin.png")
    png(tmp_path / "notes/top.png", "green")
    write(tmp_path / "notes/bike/chain.rst", RST_NOTE)

    docs, warned = read_warnings(tmp_path / "notes")

    assert [(w.file, w.reference, w.reason) for w in warned] == [
        ("bike/chain.rst", "photos/missing.jpg", "missing"),
    ]
    assert "bike/chain.rst" in str(warned[0]) and "photos/missing.jpg" in str(warned[0])
    [note] = docs
    assert note.title == "Replace a bike chain"
    assert note.meta["tags"] == ["bike", "repair"]
    assert note.meta["properties"] == {"author": "Ana"}  # Sphinx's own `:orphan:` is not the note's
    assert shape(note, tmp_path / "notes") == [
        "T:# Replace a bike chain\n\nCount the links with care and chain-tool, see the guide.",
        "I:bike/photos/old-chain.jpg",  # a figure with an option docutils does not know still shows
        "T:The old chain, stretched.\n\nMeasure it against a ruler.\n\nWear gloves.\n\n"
        "## Tools\n\ntool | size\npliers | 10 mm\n\n1. Shift to the small ring.\n2. Press out a pin",
        "I:bike/photos/pin.png",
        'T:.\n\necho "*not emphasis*"',
        "I:top.png",  # rooted: from the collection root
    ]


SPHINX_PAGE = """\
Calibrating
===========

See :doc:`../setup/index`, :ref:`labware-offsets`, :term:`aspirate` and
:py:meth:`~opentrons.InstrumentContext.mix` or :math:`x^2`.

.. toctree::
   :maxdepth: 2

   step-one

.. index:: calibration

.. automodule:: opentrons.protocol_api
   :members:

.. only:: html

   Shown on the website.

.. tabs::

   .. tab:: Flex

      Use the Flex gripper.

.. glossary::

   aspirate
      Draw liquid into the tip.

.. versionadded:: 2.15

.. literalinclude:: ../examples/run.py

.. grid-item-card:: An extension's card
   :link: somewhere

   Its body.

Step two
--------

Done.
"""


def test_sphinx_directives_and_roles_read_as_text_never_as_errors(tmp_path):
    page = parse_rst(SPHINX_PAGE.encode(), "docs/calibrating.rst")
    text = "".join(item for item in page.items if isinstance(item, str))
    for leaked in ("Unknown", "No role", "No directive", ":ref:", ":doc:", "toctree", "..", "::", "members"):
        assert leaked not in text
    assert page.title == "Calibrating"
    assert text == (
        "# Calibrating\n\n"
        "See index, labware offsets, aspirate and mix() or x^2.\n\n"
        "Shown on the website.\n\n"
        "Flex\n\nUse the Flex gripper.\n\n"
        "aspirate\nDraw liquid into the tip.\n\n"
        "New in version 2.15.\n\n"
        "An extension's card\n\nIts body.\n\n"
        "## Step two\n\nDone.\n"
    )


def test_a_sphinx_sites_build_and_templates_are_excluded_its_static_pictures_found(tmp_path):
    docs_dir = tmp_path / "repo/docs"
    write(docs_dir / "conf.py", "project = 'Pipettes'\n")
    write(docs_dir / "index.rst", "Pipettes\n========\n\n.. image:: _static/pipette.png\n")
    png(docs_dir / "_static/pipette.png")
    write(docs_dir / "_build/html/_sources/index.rst.txt", "Pipettes\n========\n")
    write(docs_dir / "_build/html/index.html", "<h1>Pipettes</h1>")
    write(docs_dir / "_templates/layout.html", "{% extends '!layout.html' %}")
    write(tmp_path / "repo/other/_build/notes.rst", "Not a Sphinx build: no conf.py beside it.\n")

    docs, warned = read_warnings(tmp_path / "repo")

    assert [d.id for d in docs] == ["docs/index.rst", "other/_build/notes.rst"]
    assert shape(docs[0], tmp_path / "repo") == ["T:# Pipettes", "I:docs/_static/pipette.png"]
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        ("docs/_build/", "excluded", "docs/_build/: the built Sphinx site; not indexed"),
        ("docs/_templates/", "excluded", "docs/_templates/: Sphinx page templates, not pages; not indexed"),
    ]


def test_a_split_sphinx_source_leaves_its_build_folder_out(tmp_path):
    write(tmp_path / "docs/source/conf.py", "")
    write(tmp_path / "docs/source/index.rst", "Home\n====\n\nWelcome.\n")
    write(tmp_path / "docs/build/html/index.html", "<p>Welcome.</p>")

    docs, warned = read_warnings(tmp_path / "docs")

    assert [d.id for d in docs] == ["source/index.rst"]
    assert [(w.file, w.reason) for w in warned] == [("build/", "excluded")]


def test_a_field_title_chinese_line_breaks_and_broken_markup(tmp_path):
    page = parse_rst(
        ":title: 移液器校准\n\n第一步\n打开盖子。\n\n*unclosed emphasis and `unclosed role\n\n"
        "+-----+\n| bad | table\n+--\n\n.. image::\n".encode(),
        "校准.rst",
    )
    text = "".join(item for item in page.items if isinstance(item, str))
    assert page.title == "移液器校准"
    assert text.startswith("第一步打开盖子。\n\n")  # CJK lines join without a space, as they are typed
    assert "Error" not in text and "Malformed" not in text


OPENTRONS_STYLE = """\
Loading
=======

See the `archived documentation <https://example.com/v1>`_ for older protocols, and
`.ProtocolContext.load_labware` (the site's default role is ``py:obj``).

.. versionchanged:: 2.16
   Added support for ``TrashBin`` objects.

Flex supports versions 2.15–|apiLevel|.

.. code-block:: python
  :substitutions:

   metadata = {"apiLevel": "2.20"}
   run()
"""


def test_what_the_opentrons_docs_showed_reads_as_their_site_shows_it():
    """Found on Opentrons/opentrons api/docs: a link with its URL split its paragraph in two, a
    version directive's text on its first line kept its ``markup``, a substitution defined in
    conf.py's `rst_prolog` kept its bars, code under a less indented option kept a leading space."""
    page = parse_rst(OPENTRONS_STYLE.encode(), "v2/loading.rst")
    text = "".join(item for item in page.items if isinstance(item, str))
    assert text == (
        "# Loading\n\n"
        "See the archived documentation for older protocols, and ProtocolContext.load_labware "
        "(the site's default role is py:obj).\n\n"
        "Changed in version 2.16:\n\nAdded support for TrashBin objects.\n\n"
        "Flex supports versions 2.15–apiLevel.\n\n"
        'metadata = {"apiLevel": "2.20"}\nrun()\n'
    )


def test_the_templates_a_sphinx_conf_names_are_excluded(tmp_path):
    write(tmp_path / "docs/v2/conf.py", "import os\ntemplates_path = ['../templates', '../templates/v2']\n")
    write(tmp_path / "docs/v2/index.rst", "API v2\n======\n\nProtocols.\n")
    write(tmp_path / "docs/templates/v2/layout.html", "<div>{{ body }}</div>")
    write(tmp_path / "docs/pages/about.html", "<p>A page, not a template.</p>")

    docs, warned = read_warnings(tmp_path / "docs")

    assert [d.id for d in docs] == ["pages/about.html", "v2/index.rst"]
    assert [str(w) for w in warned] == ["templates/: Sphinx page templates, not pages; not indexed"]


def test_a_ref_to_a_label_on_the_page_reads_as_what_it_labels():
    """Found on espressif/esp-dev-kits: `:ref:` to a figure or section of the same guide read as the
    label (`user-guide-s3-devkitc-1-v1.1-board-front`); esp-docs' translation links as their words."""
    page = parse_rst(
        b":link_to_translation:`en:[English]`\n\n"
        b"See :ref:`board-front`, :ref:`pin-headers` and :ref:`elsewhere-label`.\n\n"
        b"Intro\n=====\n\n.. _pin-headers:\n\nPin headers\n-----------\n\n"
        b".. _board-front:\n\n.. figure:: front.png\n\n   The board, front side\n",
        "zh_CN/guide.rst",
    )
    text = "".join(item for item in page.items if isinstance(item, str))
    assert text.startswith("English\n\nSee The board, front side, Pin headers and elsewhere label.\n\n")


def test_a_file_docutils_fails_on_is_read_as_plain_text_and_said_so(tmp_path):
    write(tmp_path / "notes/deep.rst", "".join("  " * depth + "- step\n\n" for depth in range(300)))
    write(tmp_path / "notes/fine.rst", "Fine\n====\n\nStill read.\n")

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default (a library other tests load raises it)
    try:
        docs, warned = read_warnings(tmp_path / "notes")
    finally:
        sys.setrecursionlimit(limit)

    assert [d.id for d in docs] == ["deep.rst", "fine.rst"]
    assert docs[0].text.startswith("- step\n\n  - step") and docs[1].text == "# Fine\n\nStill read."
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        (
            "deep.rst",
            "markup",
            "deep.rst: reStructuredText not parsed (nested too deeply), read as plain text",
        ),
    ]
