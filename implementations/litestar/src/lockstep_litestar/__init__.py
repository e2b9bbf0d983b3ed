"""The lockstep contract implemented with Litestar, served by uvicorn."""
