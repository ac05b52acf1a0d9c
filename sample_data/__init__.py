"""The sample-data generator: one synthetic shop across all four sources, with planted faults."""
