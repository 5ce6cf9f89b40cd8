"""Finnish text analysis (tokens, lemmas, compound parts) shared by storage and linking.

The lowest layer beside ``parsers``: it imports nothing of pykala, so the search index
(storage) and the topic and link machinery (linking) both build on it.
"""
