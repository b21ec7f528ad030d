"""frontdesk: service recovery at the front desk."""

__version__ = "0.1.0"
