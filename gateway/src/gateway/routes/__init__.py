"""One module per area; each route validates, calls one RPC, renders the reply.

Routers carry the full ``/api/v1`` prefix themselves (rather than getting it from
``include_router``) so each route's path template, used as the metrics label, is the full path.
"""

API_PREFIX = "/api/v1"
