"""The lockstep contract implemented with FastAPI, served by uvicorn."""
