"""Topics and links across municipalities: which decisions belong together.

The Finnish analysis they use lives in ``analysis`` (below storage).
"""

from pykala.analysis.finnish import (
    AnalyzedText,
    FinnishAnalyzer,
    VoikkoUnavailable,
    WordAnalysis,
    get_analyzer,
    terms_match,
)

__all__ = [
    "AnalyzedText",
    "FinnishAnalyzer",
    "VoikkoUnavailable",
    "WordAnalysis",
    "get_analyzer",
    "terms_match",
]
