"""shoplake: an AWS-shaped e-commerce analytics pipeline that also runs locally."""

__version__ = "0.1.0"
