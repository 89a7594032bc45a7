"""Pydantic models shared across rules, services and handlers."""
