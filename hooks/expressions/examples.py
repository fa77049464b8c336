"""Every filter expression Okta publishes (reference §4), verbatim, keyed by its number."""

from __future__ import annotations

# Numbers follow the reference; 13, 14 and 18 were published in two spellings (a, b).
PUBLISHED_EXAMPLES: dict[str, str] = {
    "1": "event.target.?[type eq 'UserGroup'].size()>0 && "
    "event.target.?[displayName eq 'Sales'].size()>0",
    "2": "event.eventType eq 'Admin' && event.eventType ne 'Bob'",
    "3": "event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()> 0",
    "4": "event.target.?[type eq 'UserGroup'  && displayName eq 'Sales'].size()> 0 || "
    "event.target.?[type eq 'UserGroup'  && displayName eq 'Marketing'].size()> 0",
    "5": "event.target.?[type eq 'UserGroup'  && id eq '00gsnc3qy7Uy6JZfy0h7'].size()> 0 || "
    "event.target.?[type eq 'UserGroup'  && id eq '032gs2nc3qy7Uy6JZfasd3'].size()> 0",
    "6": "event.target.?[type eq 'User' && id eq '00usnkgbd0FFDxYaj0h7'].size()>0 && "
    "event.target.?[type eq 'UserGroup'  && displayName eq 'Admin'].size()> 0",
    "7": "event.target.?[type eq 'AppInstance' && alternateId eq 'My COMPANY Bookmark App']"
    ".size()> 0",
    "8": "event.target.?[type eq 'AppInstance'  && alternateId eq 'My Company Bookmark App']"
    ".size()> 0 || "
    "event.target.?[type eq 'AppInstance'  && alternateId eq 'My OIDC App'].size()> 0",
    "9": "event.target.?[type eq 'AppInstance'  && id eq '00gsnc3qy7Uy6JZfy0h7'].size()> 0 || "
    "event.target.?[type eq 'AppInstance'  && id eq '032gs2nc3qy7Uy6JZfasd3'].size()> 0",
    # Published with an unbalanced '(' — it must be rejected.
    "10": "event.target.?[type eq 'User' && id eq '00usnkgbd0FFDxYaj0h7'].size()>0 && "
    "(event.target.?[type eq 'AppInstance'  && alternateId eq 'My Admin App'].size()> 0",
    "11": "event.debugData.changedAttributes.contains('email')",
    "12": "event.debugData.changedAttributes.contains('email') || "
    "event.debugData.changedAttributes.contains('manager') || "
    "event.debugData.changedAttributes.contains('department')",
    "13a": "event.outcome.result eq'SUCCESS'",
    "13b": "event.outcome.result eq 'SUCCESS'",
    "14a": "event.outcome.result eq'FAILURE'",
    "14b": "event.outcome.result eq 'FAILURE'",
    "15": "event.actor.alternateId eq 'myAdmin@company.com'",
    "16": "event.actor.id eq '00usnkgbd0FFDxYaj0h7'",
    "17": "event.actor.alternateId eq 'myAdmin@company.com' && event.outcome.result eq 'FAILURE'",
    "18a": "event.outcome.reason.contains( 'SECURITY_QUESTION')",
    "18b": "event.outcome.reason.contains('SECURITY_QUESTION')",
}

# The published examples that are valid (all but #10).
VALID_EXAMPLES: dict[str, str] = {k: v for k, v in PUBLISHED_EXAMPLES.items() if k != "10"}
