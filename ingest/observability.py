"""Counters of events that are expected, not errors (a client that left before sending its
body), kept in this process for the metrics endpoint to read instead of filling the log."""

from __future__ import annotations

from collections import Counter

events: Counter[str] = Counter()

CLIENT_DISCONNECTED = "client_disconnected"
