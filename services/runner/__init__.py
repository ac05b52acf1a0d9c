"""The local event runner: invokes the Lambda handlers with the event shapes AWS sends."""
