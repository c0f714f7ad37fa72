"""People's text shown as typed: names, notes, clip names, reasons and messages that quote them.

Contract: ``plain(text)`` returns ``text`` with every Markdown punctuation character backslash-escaped
(CommonMark lets any ASCII punctuation be escaped), for the Streamlit calls that render Markdown (``st.error``,
``st.caption``, ``st.subheader``, radio and expander labels...). A name such as ``![x](http://host/p.png)``
then shows as those characters instead of making the browser fetch an outside address, and an address in
people's text is never made a link (GitHub-flavoured Markdown links bare ``http://`` and ``www.`` text even
when escaped, so a zero-width space goes after the scheme's colon and after ``www``). Where a whole block is
people's text, ``st.text`` is simpler still.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")
_AUTOLINK = re.compile(r"(?i)(\w:|www)(?=\\?[/.])")  # http: before //, www before .
ZERO_WIDTH_SPACE = "\u200b"


def plain(text: object) -> str:
    unlinked = _AUTOLINK.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE, str(text))
    return _MARKDOWN.sub(r"\\\1", unlinked)
