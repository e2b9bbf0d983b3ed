"""The runners: what `python -m lockstep_<name>` starts, one module per server.

`uvicorn.run` (FastAPI, Litestar) and `gunicorn.run` (Flask) have one shape:
`run(factory, implementation, overrides)`, with `factory` an application factory named
"package.module:function" that each worker calls. Both start the instance through
lifecycle.py and route their stop signals to `lifecycle.StopSignals`; the overrides are what
the bench varies (bench/serve.py), the defaults are the contract's production settings.
"""
