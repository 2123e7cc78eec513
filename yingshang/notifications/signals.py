"""Signals of 精准推送.

`message_read` fires once per inbox message, the first time its enterprise reads it
(`services.mark_read`); arguments: sender=Message, message=<the Message>. 政策兑现 connects to it to
record when an enterprise first knew of an entitlement pushed to it (dedupe key
`entitlement:<id>:push`).
"""

from __future__ import annotations

from django.dispatch import Signal

message_read = Signal()
