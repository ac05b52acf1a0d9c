"""Local implementation of the AWS Glue job API surface that shoplake's jobs use."""
