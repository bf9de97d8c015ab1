"""posapp: a point-of-sale and back office for card payments through Antom."""

__version__ = "0.1.0"
