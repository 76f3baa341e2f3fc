"""Carrier integration: the HTTP client for the upstream SMS carrier (Vonage's SMS API)."""
