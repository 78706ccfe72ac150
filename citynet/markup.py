"""Safe text for XML, SVG and HTML documents, and the frame of a self-contained page.

Text from the dataset is untrusted: `text()` drops what XML 1.0 forbids (and the
bidi overrides that make a line read differently than it is) and escapes the rest,
so a name can never become markup. Pages carry their styles inline, load nothing
and run nothing; their Content-Security-Policy says so to the browser as well.
"""

from __future__ import annotations

import re

# Characters XML 1.0 does not allow (C0 controls but tab, LF and CR; surrogates;
# U+FFFE, U+FFFF), the C1 controls, and the bidi embeddings, overrides and isolates.
_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
_SPACES = re.compile(r"[\t\n\r]+")


def clean(value: object) -> str:
    """The value as one line of text that XML allows: no controls, tabs or line breaks."""
    return _SPACES.sub(" ", _NOT_XML.sub("", str(value)))


def text(value: object) -> str:
    """The value escaped for XML and HTML text and for attribute values in double quotes."""
    return (
        clean(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


# Nothing from the network, no script; inline styles and images from data: only.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

FONTS = "'DejaVu Sans', 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"

BASE_CSS = f"""
:root {{ color: #1b1b1b; background: #fff; }}
body {{ font-family: {FONTS}; font-size: 15px; line-height: 1.45;
  margin: 0 auto; padding: 1.5rem; max-width: 62rem; }}
h1 {{ font-size: 1.6rem; margin: 0 0 .3rem; }}
h2 {{ font-size: 1.2rem; margin: 1.8rem 0 .5rem; border-bottom: 1px solid #ccc; }}
h3 {{ font-size: 1.02rem; margin: 1.2rem 0 .3rem; }}
table {{ border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }}
th, td {{ text-align: left; vertical-align: top; padding: .25rem .5rem;
  border-bottom: 1px solid #ddd; }}
th {{ background: #f3f3f3; font-weight: 600; }}
figure {{ margin: 1rem 0; }}
figure > svg {{ width: 100%; height: auto; display: block; border: 1px solid #ddd; }}
.legend {{ list-style: none; padding: 0; margin: .4rem 0; display: flex; flex-wrap: wrap;
  gap: .3rem 1.2rem; font-size: .9rem; }}
.legend svg {{ vertical-align: middle; margin-right: .35rem; }}
.muted {{ color: #555; font-size: .9rem; }}
sup.ref {{ font-size: .72em; color: #444; }}
footer {{ margin-top: 2rem; color: #555; font-size: .85rem; }}
"""


def page(title: str, body: str, *, lang: str = "", css: str = "") -> str:
    """A whole HTML document around `body` (already markup); `title` is plain text;
    in the interface's language unless `lang` says otherwise."""
    from .i18n import language

    lang = lang or language()
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{text(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="citynet">\n'
        f"<title>{text(title)}</title>\n<style>{BASE_CSS}{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
