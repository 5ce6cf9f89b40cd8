"""What the command line prints: one module per thing rendered.

``console`` the consoles, control-character escaping (``SafeConsole``) and shared helpers;
``errors`` one-line errors and exit codes; ``report`` run progress and summaries; ``items``
search hits, ``show``, ``parse`` and ``add``; ``status`` the archive and its sources;
``topics`` topics, links and timelines. Render sits on top with cli.py: it may import the
library below it, nothing below imports it (pyproject.toml, [tool.importlinter]).
"""
