"""geoaq.web.streamlit_internals, the index page: Streamlit's index page with the app's element scripts preloaded and the
server's base path given for links straight to a page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from streamlit import file_util

from geoaq._errors import UnknownBundle
from geoaq.web import streamlit_internals as internals
from geoaq.web.pages import page_elements

STATIC_DIR = Path(file_util.get_static_dir())

# The shape of Vite's output in Streamlit's main bundle: a file table, and lazy imports that
# name their dependencies by index into it.
BUNDLE = (
    'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["./Radio.R1.js","./runtime.X.js",'
    '"./label.L.js","./DateInput.D1.js","../css/date.css"])))=>i.map(i=>d[i]);'
    "var a=lazy(()=>H(()=>import(`./Radio.R1.js`),__vite__mapDeps([0,1,2]),import.meta.url)),"
    "b=lazy(()=>H(()=>import(`./DateInput.D1.js`).then(e=>e.n),__vite__mapDeps([3,1,2,4]),import.meta.url));"
)
INDEX = """<!DOCTYPE html>
<html lang="en">
  <head>
    <script type="module" crossorigin src="./static/js/index.I.js"></script>
    <link rel="modulepreload" crossorigin href="./static/js/runtime.X.js">
  </head>
  <body><div id="root"></div></body>
</html>
"""


def test_element_scripts_read_the_bundles_import_map():
    assert internals.element_scripts(BUNDLE) == {
        "Radio": ["js/Radio.R1.js", "js/runtime.X.js", "js/label.L.js"],
        "DateInput": ["js/DateInput.D1.js", "js/runtime.X.js", "js/label.L.js", "css/date.css"],
    }


@pytest.mark.parametrize("bundle", [
    "console.log(1)",
    'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["./a.js"])))=>1;',
    'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["./a.js"])))=>1;'
    "import(`./Radio.R1.js`),__vite__mapDeps([0,7])",  # an index past the table
])
def test_a_bundle_of_another_shape_is_refused(bundle):
    with pytest.raises(UnknownBundle):
        internals.element_scripts(bundle)


def test_the_installed_streamlit_has_every_element_script_the_pages_preload():
    """A Streamlit upgrade that renames or drops one of them fails here, not silently."""
    index_html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    scripts = internals.element_scripts(internals.main_bundle(STATIC_DIR, index_html).read_text(encoding="utf-8"))
    for path, elements in page_elements().items():
        assert set(elements) <= set(scripts), path
        for name in elements:
            assert all((STATIC_DIR / "static" / file).is_file() for file in scripts[name]), name


def test_with_preloads_names_each_file_once_and_not_what_the_page_links_already():
    page = internals.with_preloads(INDEX, internals.element_scripts(BUNDLE), ["Radio", "DateInput"])
    head = page[:page.index("</head>")]
    assert head.count('href="./static/js/label.L.js"') == 1
    assert head.count('href="./static/js/runtime.X.js"') == 1  # Streamlit's own preload only
    assert '<link rel="modulepreload" crossorigin href="./static/js/DateInput.D1.js">' in head
    assert '<link rel="preload" as="style" crossorigin href="./static/css/date.css">' in head
    assert page[page.index("</head>"):] == INDEX[INDEX.index("</head>"):]


def test_with_preloads_names_what_is_missing_and_what_there_is():
    with pytest.raises(UnknownBundle, match="no element script named Slider; it has DateInput, Radio"):
        internals.with_preloads(INDEX, internals.element_scripts(BUNDLE), ["Radio", "Slider"])


def test_a_page_without_head_is_refused():
    with pytest.raises(UnknownBundle, match="</head>"):
        internals.with_preloads("<html><body></body></html>", internals.element_scripts(BUNDLE), ["Radio"])


def test_with_known_base_adds_a_script_only_for_pages():
    assert internals.with_known_base(INDEX, []) == INDEX
    page = internals.with_known_base(INDEX, ["fires", "</script>"])
    script = page[page.index("<script>"):page.index("</script>", page.index("<script>"))]
    assert '["fires", "<\\/script>"]' in script  # a path cannot end the script element
    assert page.index("<script>") < page.index("</head>")


def _base_url(script: str, pathname: str) -> str | None:
    """Run the base-path `script` in node for a page at `pathname`; the base it sets, if any."""
    body = script.removeprefix("<script>").removesuffix("</script>")
    program = (f"var window = {{location: {{origin: 'http://host:8501', pathname: {json.dumps(pathname)}}}}};\n"
               f"{body}\nconsole.log(JSON.stringify(window.__streamlit ? window.__streamlit.BACKEND_BASE_URL : null));")
    done = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("CI"), reason="node not installed")
@pytest.mark.parametrize(
    ("pathname", "base"),
    [
        ("/fires", "http://host:8501/"),
        ("/fires/", "http://host:8501/"),
        ("/geoaq/fires", "http://host:8501/geoaq/"),  # behind a base path or a proxy's prefix
        ("/air-quality", "http://host:8501/"),
        ("/", None),  # the main page: Streamlit's own probe starts at the right URL
        ("/geoaq", None),
        ("/fires-archive", None),
    ],
)
def test_the_base_script_sets_the_base_before_the_pages_segment(pathname, base):
    page = internals.with_known_base(INDEX, ["fires", "air-quality"])
    start = page.index("<script>")
    assert _base_url(page[start:page.index("</script>", start) + len("</script>")], pathname) == base


def test_mended_pages_of_the_installed_streamlit_preload_each_pages_own_elements():
    pages = internals.mended_pages(STATIC_DIR, {"fires": ("ComponentInstance", "DateInput"), "data": ("FileUploader",)})
    assert set(pages) == {"fires", "data", ""}
    assert pages[""] == pages["fires"]  # the root shows the first page
    fires_head = pages["fires"][:pages["fires"].index("</head>")]
    assert 'rel="modulepreload" crossorigin href="./static/js/DateInput.' in fires_head
    assert 'rel="modulepreload" crossorigin href="./static/js/ComponentInstance.' in fires_head
    assert "/FileUploader." not in fires_head and "/FileUploader." in pages["data"]
    assert '["fires", "data"]' in fires_head and "window.__streamlit" in fires_head
    original = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    body = original[original.index("</head>"):]
    assert all(page.endswith(body) for page in pages.values())
