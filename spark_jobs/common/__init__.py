"""Helpers shared by the Glue job scripts; on AWS Glue they ship with `--extra-py-files`."""
