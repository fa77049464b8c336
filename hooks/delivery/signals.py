"""What the delivery engine tells the layer above it (hooks.eventhooks).

Delivery decides when a hook's endpoint has failed for good (410 Gone, or no success for
HOOKS_AUTO_DISABLE_AFTER seconds), but changing a hook's status is eventhooks.services'
job (one transaction, version bump, audit entry). Rather than importing upwards, hook_health
sends `hook_unhealthy`; the receiver in hooks/signals.py (imported by HooksConfig.ready(),
so every worker has it) deactivates the hook.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by hooks.delivery.hook_health when an ACTIVE hook must stop being called.
# Arguments: hook (the EventHook), reason (a sentence for the console and the audit entry).
hook_unhealthy = Signal()
