"""lockstep_contract: what every lockstep implementation shares and no framework says itself.

Settings, JSON encoding, problem details, request ids, the route table, validation rules,
metrics, logs, instance state and the pure ASGI/WSGI middleware. It imports no web framework.
"""

CONTRACT_VERSION = "1.0.0"
