"""Streaming file formats: number lists in (xlsx/csv), reports out (xlsx). No AWS here:
callers hand in file objects and sinks, so the same code runs in a Lambda on an S3 body."""
