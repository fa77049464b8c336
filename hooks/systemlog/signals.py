"""What the System Log tells the layers above it.

publishing sits below the delivery engine, yet a publish that matched events to hooks must
get those hooks' deliveries going. Rather than importing upwards, publishing sends
`outbox_written`; hooks.delivery.dispatch answers it (connected in hooks/signals.py, which
HooksConfig.ready() imports, so every process that publishes has the receiver).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the publishing transaction, right after outbox rows (OutboxEntry) were written.
# Arguments: hook_ids, the sorted ids of the hooks that now have queued events.
outbox_written = Signal()
