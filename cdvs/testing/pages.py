"""The text of a page as tests compare it."""

import re

_NARROW_BEFORE_PUNCTUATION = re.compile("\u202f(?=[:;?!])")


def plain(text: str) -> str:
    """The narrow no-break space the pages put before « : ; ? ! » (see
    `cdvs.core.french.punctuate`, tested there) read as the space typed in the source,
    so that a test can look for a message as the code writes it."""
    return _NARROW_BEFORE_PUNCTUATION.sub(" ", text)
