"""The sales workspace's pages, one module per screen: queue.py (the rep's queue and the pool),
lead.py (the lead page and every action on it), team.py (the manager's team), pipeline.py.

Every action is a plain form POST that redirects (post/redirect/get) and, under htmx, answers
with the region it changed plus an HX-Trigger "lead-changed" so the counts refresh themselves.
A service's refusal is shown next to the field it names (apps.core.forms.call_service): htmx
gets the form partial back with status 422/409/403, a plain post the whole page with it.
"""

LEAD_CHANGED = "lead-changed"
