"""The underwriter API (FastAPI)."""
