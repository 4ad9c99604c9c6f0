"""Deterministic demo data and the personas shown on the sign-in page in DEMO_MODE."""
