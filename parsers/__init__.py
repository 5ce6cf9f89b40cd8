"""Pure parsers: raw bytes of a fetched page → records, links and warnings.

A platform's parse and classify functions are registered, with its crawl rules, in
harvester.platforms (one ``Platform`` record per platform), which guards them at this
boundary (parsers.guard): a parser raises only ParseError, whatever the bytes, and a
classifier answers UNKNOWN for a URL that cannot be normalised.
"""

from __future__ import annotations
