"""User text inside Streamlit's Markdown (st.error, labels, captions): shown as it is written."""

from __future__ import annotations

import re

#: every ASCII punctuation mark Markdown (and Streamlit's $…$ and :emoji: / :colour[…]) could read
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&\"'])")


def markdown_plain(text: object) -> str:
    """`text` with each Markdown character backslash-escaped, so that a file name or an identity
    like ``[x](javascript:…)`` or ``![](http://…)`` is shown as those characters, never as a link,
    an image or formatting (CommonMark renders an escaped punctuation mark as the mark)."""
    return _MARKUP.sub(r"\\\1", str(text))
