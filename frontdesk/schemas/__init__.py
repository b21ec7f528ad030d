"""Pydantic inputs (validated, with plain-word errors) and frozen read models."""
