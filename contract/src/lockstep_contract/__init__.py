"""lockstep_contract: what every lockstep implementation shares and no framework says itself.

Settings, JSON encoding, problem details, request ids, the route table, validation rules,
metrics, logs, the pure ASGI/WSGI middleware, the instance lifecycle and the runners that
start uvicorn or gunicorn (each an optional extra). It imports no web framework.
"""

CONTRACT_VERSION = "1.0.0"
