"""Text analysis and (later) cross-municipality linking of agenda items."""

from linking.finnish import (
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
