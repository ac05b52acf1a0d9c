"""Constructs of shoplake's AWS deployment, one module per part of the pipeline."""
