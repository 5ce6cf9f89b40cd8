"""Server answers and failures in the words of a report: Retry-After, connection and
protocol errors, sizes (harvester.http)."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def describe_connect_error(exc: Exception) -> str:
    """httpx/OS wording → a short reason: "connection refused", "name resolution failed"."""
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if any(
        s in lowered
        for s in (
            "name or service not known",
            "name resolution",
            "nodename nor servname",
            "no address associated",
            "getaddrinfo",
        )
    ):
        return "name resolution failed"
    if "unreachable" in lowered:
        return "network unreachable"
    if "certificate" in lowered or "ssl" in lowered:
        return "TLS error: " + text.splitlines()[0][:120] if text else "TLS error"
    return "cannot connect" + (f": {text.splitlines()[0][:120]}" if text else "")


def describe_protocol_error(exc: Exception) -> str:
    text = str(exc).lower()
    if "incomplete" in text or "without sending complete" in text:
        return "connection closed before the response was complete"
    if "disconnected" in text or "without sending" in text or "closed" in text:
        return "connection closed without a response"
    return "broken response" + (f": {str(exc).splitlines()[0][:120]}" if str(exc) else "")


def format_size(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n % 1024 == 0:
        return f"{n // 1024} kB"
    return f"{n} bytes"


__all__ = ["describe_connect_error", "describe_protocol_error", "format_size", "parse_retry_after"]
