"""Data-only contracts between layers (pydantic models, file layouts and their readers); imports nothing
else from swerl, so every layer can use it."""
