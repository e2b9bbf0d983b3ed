"""The lockstep contract implemented with Flask, served by gunicorn."""
